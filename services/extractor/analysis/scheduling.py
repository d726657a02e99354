"""A due analysis schedule starts a run with the API's two steps: `analysis.run_created`, then the start command.

The scheduler (services/extractor/handlers.py) has already claimed the due time in NATS KV, so this runs once
per schedule and due time across replicas; the run id is derived from both and every message carries a
`Nats-Msg-Id`, so a scheduler that fails half-way and fires again publishes nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.extractor.read_model import Schedule
from shared.bus.publisher import Publisher
from shared.contracts.admin import AnalysisRunCreated
from shared.contracts.commands import StartAnalysis
from shared.llm.agents import TASK_PROPOSER_AGENT_ID


async def start_scheduled_analysis(publisher: Publisher, schedule: Schedule, due_at: datetime, run_id: str) -> None:
    """The window is the schedule's `lookback_hours` up to the due time; its agent, else the system proposer."""
    fields = {
        "run_id": run_id,
        "window_start": due_at - timedelta(hours=schedule.lookback_hours),
        "window_end": due_at,
        "project_id": schedule.project_id,
        "agent_id": schedule.agent_id or TASK_PROPOSER_AGENT_ID,
        "trigger": f"scheduled:{schedule.name}",
        "schedule_id": schedule.id,
    }
    await publisher.emit(AnalysisRunCreated(**fields), msg_id=f"analysis-created:{run_id}")
    await publisher.emit(StartAnalysis(**fields), msg_id=f"analysis-start:{run_id}")
