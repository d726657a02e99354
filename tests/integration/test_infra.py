import asyncpg
import nats


async def test_database_has_pgvector(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("select '[1,2,3]'::vector <=> '[1,2,3]'::vector") == 0
    finally:
        await conn.close()


async def test_nats_has_jetstream(nats_url: str, subject_prefix: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(name=subject_prefix.upper(), subjects=[f"{subject_prefix}.>"])
        ack = await js.publish(f"{subject_prefix}.x", b"1")
        assert ack.seq == 1
        await js.delete_stream(subject_prefix.upper())
    finally:
        await nc.close()
