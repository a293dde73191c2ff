from __future__ import annotations

from support import catalogue
from support.catalogue import Receiver
from support.workflow import (
    OPEN_STATUSES,
    RULES,
    SENDER_TABS,
    TRANSITIONS,
    Action,
    Side,
    TicketStatus,
    available_actions,
    next_status,
)

S = TicketStatus


def test_every_status_but_drafts_belongs_to_exactly_one_sender_tab():
    tabbed = [status for statuses in SENDER_TABS.values() for status in statuses]
    assert sorted(tabbed) == sorted(TicketStatus)


def test_the_sender_can_close_any_open_ticket_and_nothing_leaves_a_closed_one():
    for status in OPEN_STATUSES:
        assert next_status(Action.CLOSE, status, to_support=True) == S.CLOTUREE
    assert not [key for key in TRANSITIONS if key[1] == S.CLOTUREE]


def test_a_draft_can_only_be_sent():
    assert [key[0] for key in TRANSITIONS if key[1] == S.BROUILLON] == [Action.SEND]


def test_only_a_recipient_service_transfers_to_support():
    assert next_status(Action.TRANSFER, S.EN_COURS, to_support=False) == S.TRANSFEREE
    assert next_status(Action.TRANSFER, S.EN_COURS, to_support=True) is None


def test_added_information_returns_a_waiting_ticket_to_the_receiver():
    assert next_status(Action.ADD_INFO, S.ATTENTE_INFO, to_support=False) == S.EN_COURS
    assert next_status(Action.ADD_INFO, S.ENVOYEE, to_support=False) == S.ENVOYEE
    assert next_status(Action.ADD_INFO, S.REPONDUE, to_support=False) is None


def test_an_unsatisfied_sender_sends_an_answer_back():
    assert next_status(Action.REOPEN, S.REPONDUE, to_support=True) == S.EN_COURS


def test_each_side_is_offered_its_own_actions():
    assert available_actions(S.REPONDUE, {Side.SENDER}, to_support=True) == [
        Action.REOPEN,
        Action.CLOSE,
    ]
    assert available_actions(S.ENVOYEE, {Side.RECEIVER}, to_support=False) == [
        Action.TAKE,
        Action.ANSWER,
        Action.ASK_INFO,
        Action.TRANSFER,
    ]
    assert available_actions(S.ENVOYEE, set(), to_support=False) == []


def test_every_action_tells_the_other_side():
    for action, rule in RULES.items():
        other = Side.RECEIVER if rule.side == Side.SENDER else Side.SENDER
        assert other in rule.notifies, action


def test_only_invoice_processing_questions_go_to_the_recipient():
    to_recipient = {
        (c.code, s.code)
        for c in catalogue.CATEGORIES
        for s in c.subcategories
        if s.receiver == Receiver.RECIPIENT
    }
    assert to_recipient and {category for category, _ in to_recipient} == {"TRAITEMENT"}


def test_a_topic_splits_back_into_its_category_and_subcategory():
    assert catalogue.split_topic(catalogue.topic("API", "ERREUR")) == ("API", "ERREUR")
    assert catalogue.split_topic("API/NOPE") is None
    assert catalogue.split_topic("garbage") is None
