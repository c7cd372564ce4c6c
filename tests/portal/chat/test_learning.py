"""Learning from misses: unmatched questions are listed for editors, mapping one teaches the bot
at once (no deploy), and the trend is drawn as a chart in the admin."""

import pytest

from portal.chat.actions import unmatched_map
from portal.chat.models import LexiconEntry, UnmatchedQuestion

pytestmark = pytest.mark.django_db

PHRASE = "小区的球台子能不能占一下"


def test_mapping_an_unmatched_question_to_an_intent_teaches_the_bot(api, say, admin_user,
                                                                     django_capture_on_commit_callbacks):
    _, before = say(api, PHRASE)
    assert before["intent"]["name"] != "venue.book"
    question = UnmatchedQuestion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        unmatched_map(question=question, intent="venue.book", editor=admin_user)
    _, after = say(api, PHRASE)
    assert after["intent"]["name"] == "venue.book"
    question.refresh_from_db()
    assert question.status == UnmatchedQuestion.Status.MAPPED
    assert LexiconEntry.objects.get().created_by == admin_user


def test_mapping_to_a_service_item_makes_the_phrase_a_synonym_of_the_item(api, say, admin_user,
                                                                          django_capture_on_commit_callbacks):
    say(api, "小绿本怎么弄")
    question = UnmatchedQuestion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        unmatched_map(question=question, item_id="42", item_name="居住证申领", editor=admin_user)
    entry = LexiconEntry.objects.get()
    assert (entry.intent, entry.item_name) == ("service.search", "居住证申领")
    _, body = say(api, "小绿本怎么弄")
    assert body["intent"]["name"] == "service.search"
    assert "居住证" in body["slots"]["query"]


def test_mapping_refuses_an_unknown_intent(admin_user):
    question = UnmatchedQuestion.objects.create(normalized="x", count=1, last_seen="2026-11-24T10:00:00+08:00")
    with pytest.raises(Exception, match="有效"):
        unmatched_map(question=question, intent="no.such.intent", editor=admin_user)


def test_admin_lists_unmatched_questions_most_frequent_first_with_a_trend_chart(api, say, admin_client):
    for _ in range(3):
        say(api, "zzz frequent")
    say(api, "yyy rare")
    page = admin_client.get("/admin/chat/unmatchedquestion/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "未匹配问题趋势" in html
    assert html.index("zzz frequent") < html.index("yyy rare")


def test_editor_maps_a_question_in_the_admin_form(api, say, admin_client, django_capture_on_commit_callbacks):
    say(api, PHRASE)
    question = UnmatchedQuestion.objects.get()
    url = f"/admin/chat/unmatchedquestion/{question.pk}/change/"
    assert admin_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"status": "new", "mapped_intent": "venue.book", "mapped_item_id": "",
                                           "mapped_item_name": ""})
    assert response.status_code == 302
    assert LexiconEntry.objects.filter(phrase=question.normalized, intent="venue.book").exists()
    _, body = say(api, PHRASE)
    assert body["intent"]["name"] == "venue.book"


def test_staff_read_a_conversation_and_its_hand_off_ticket_in_the_admin(api, say, admin_client):
    from django.contrib.admin.utils import quote

    from portal.chat.models import ChatSession, HandoffTicket

    _, body = say(api, "转人工")
    say(api, "好的", body["session"])
    ticket = HandoffTicket.objects.get()
    page = admin_client.get(f"/admin/chat/handoffticket/{ticket.pk}/change/")
    assert page.status_code == 200 and "转人工" in page.content.decode()
    session = ChatSession.objects.get()
    # As the admin's own links write it: a session id may hold "_22", which the admin reads as '"'.
    assert admin_client.get(f"/admin/chat/chatsession/{quote(session.pk)}/change/").status_code == 200
    response = admin_client.post("/admin/chat/handoffticket/", {"action": "take", "_selected_action": [ticket.pk]})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == HandoffTicket.Status.IN_PROGRESS and ticket.assignee is not None
    assert admin_client.get("/admin/chat/lexiconentry/").status_code == 200
