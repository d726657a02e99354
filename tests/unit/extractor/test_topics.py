from collections import Counter

import numpy as np

from services.extractor.topics import class_tfidf, keywords, merge_clusters, segment, topic_name


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_a_conversation_that_changes_subject_is_split_into_contiguous_discussions() -> None:
    a = [unit(1, 0.05 * i, 0) for i in range(4)]
    b = [unit(0, 1, 0.05 * i) for i in range(4)]
    assert segment(a + b, threshold=0.9) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_one_subject_stays_one_discussion_and_stray_replies_join_a_neighbour() -> None:
    vectors = [unit(1, 0.02 * i, 0) for i in range(5)] + [unit(0, 1, 0)]
    assert segment(vectors, threshold=0.9, min_size=3) == [[0, 1, 2, 3, 4, 5]]


def test_clusters_of_different_conversations_merge_only_above_the_threshold() -> None:
    centroids = [unit(1, 0, 0), unit(1, 0.01, 0), unit(0, 0, 1)]
    assert merge_clusters(centroids, threshold=0.99) == [[0, 1], [2]]


def test_class_tfidf_ranks_the_words_that_distinguish_a_cluster_above_shared_ones() -> None:
    deploy = Counter({"deploy": 3, "pipeline": 2, "team": 3})
    cache = Counter({"cache": 3, "redis": 2, "team": 3})
    weights = class_tfidf([deploy, cache])
    assert weights[0]["deploy"] > weights[0]["team"]
    assert weights[1]["redis"] > weights[1]["team"]
    words = keywords(weights[0], Counter({"deploy": 3, "pipeline": 2, "team": 1}), {"deploy": Counter({"Deploy": 2})})
    assert words[0] == "Deploy" and "team" == words[-1]


def test_topic_names_are_two_to_four_readable_keywords() -> None:
    assert topic_name(["cache", "Redis", "TTL", "invalidation"]) == "Cache, Redis, TTL"
    assert topic_name(["ef_construction", "HNSW"]) == "ef_construction, HNSW"
    assert topic_name([]) == ""


def test_a_lone_remark_joins_the_discussion_it_agrees_with_and_stays_alone_otherwise() -> None:
    from services.extractor.topics import absorb_small

    centroids = [unit(1, 0, 0), unit(1, 0.1, 0), unit(0, 0, 1)]
    assert absorb_small(centroids, [5, 1, 1], threshold=0.9) == [0, 0, 2]


def test_keywords_are_shown_lower_case_unless_always_written_with_capitals() -> None:
    surfaces = {"release": Counter({"Release": 2, "release": 1}), "hnsw": Counter({"HNSW": 3})}
    assert keywords({"release": 1.0, "hnsw": 0.9}, Counter({"release": 1, "hnsw": 1}), surfaces) == ["release", "HNSW"]
    assert topic_name(["iOS", "release"]) == "iOS, release"
