"""Live-feed places over processes (web/places.py): a place taken in one process counts in
another, in all and per address, and a worker that dies holding places gives them back with one
reset. The processes are real (forked, as `radiod web` forks its workers)."""

from __future__ import annotations

import multiprocessing

from radiod_web.places import FeedPlaces, Refusal

fork = multiprocessing.get_context("fork")


def take_and_die(places: FeedPlaces, index: int, addresses: list[str], done) -> None:
    worker = places.for_worker(index)
    done.send([worker.take(a) for a in addresses])       # then exits holding them, as a killed worker would


def in_another_process(places: FeedPlaces, index: int, addresses: list[str]) -> list[Refusal | None]:
    ours, theirs = fork.Pipe()
    child = fork.Process(target=take_and_die, args=(places, index, addresses, theirs))
    child.start()
    got = ours.recv()
    child.join(10)
    assert child.exitcode == 0
    return got


def test_places_taken_in_another_process_count_here_and_come_back_with_a_reset():
    places = FeedPlaces(limit=4, per_address=2, workers=2)
    here = places.for_worker(0)
    assert in_another_process(places, 1, ["10.0.0.1", "10.0.0.1", "10.0.0.2"]) == [None, None, None]
    assert places.held() == 3
    assert here.take("10.0.0.1") is Refusal.ADDRESS           # both of its places are in the other process
    assert here.take("10.0.0.3") is None
    assert here.take("10.0.0.4") is Refusal.FULL              # 4 in all, over both processes
    places.reset(1)                                           # that worker died; its places are free
    assert places.held() == 1
    assert here.take("10.0.0.1") is None and here.take("10.0.0.1") is None
    assert here.take("10.0.0.1") is Refusal.ADDRESS
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.3"):
        here.give_back(address)
    assert places.held() == 0


def test_giving_back_after_a_reset_never_frees_a_place_twice():
    places = FeedPlaces(limit=1, per_address=1, workers=1)
    worker = places.for_worker(0)
    assert worker.take("10.0.0.1") is None
    places.reset(0)
    worker.give_back("10.0.0.1")                              # the feed that held it ends afterwards
    assert worker.take("10.0.0.1") is None
    assert worker.take("10.0.0.2") is Refusal.FULL
