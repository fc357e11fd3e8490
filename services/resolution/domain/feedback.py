"""The satisfaction survey: reached by a token only its hash of which is stored; CSAT and NPS."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from contracts.intake import Channel
from contracts.resolution import MessageKind
from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.errors import Invalid, NotFound, WrongState, find

MAX_COMMENT = 2_000


def token_hash(token: str) -> str:
    """What is stored of a survey token: its SHA-256, so the store cannot be used to answer."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Survey:
    survey_id: str
    token_hash: str
    expires_at: datetime
    answered_at: datetime | None = None
    csat: int | None = None
    nps: int | None = None
    revoked_at: datetime | None = None
    issued_at: datetime | None = None

    def is_open(self, at: datetime) -> bool:
        """Whether the customer may still answer it."""
        return self.answered_at is None and self.revoked_at is None and at <= self.expires_at

    def status(self, at: datetime) -> str:
        """answered, revoked, expired or open."""
        return ("answered" if self.answered_at else "revoked" if self.revoked_at else
                "expired" if at > self.expires_at else "open")

    def check_unused(self) -> None:
        """Raise unless the survey is neither answered nor revoked."""
        if self.answered_at is not None:
            raise SurveyAlreadyAnswered("this survey was answered already")
        if self.revoked_at is not None:
            raise SurveyRevoked("this survey was revoked")

    @staticmethod
    def check_new(expires_at: datetime, at: datetime) -> None:
        """Raise unless a survey issued at `at` expires after it."""
        if expires_at <= at:
            raise Invalid("a survey expires in the future")

    def check_revocation(self, reason: str) -> None:
        """Raise unless the survey may be revoked (unused), for a reason."""
        self.check_unused()
        if not reason.strip():
            raise Invalid("a revocation needs a reason")

    def check_answer(self, csat: int, nps: int | None, comment: str | None,
                     at: datetime) -> None:
        """Raise unless the customer may answer it now (once, before the link expires), with
        scores in range."""
        self.check_unused()
        if at > self.expires_at:
            raise SurveyExpired("this survey has expired")
        check_scores(csat, nps, comment)

    def answered(self, *, csat: int, nps: int | None, at: datetime) -> None:
        self.answered_at, self.csat, self.nps = at, csat, nps

    def revoked(self, at: datetime) -> None:
        self.revoked_at = at


class FeedbackMixin(CaseGuards):
    """Surveys sent to the customer and their answers."""

    def _init_feedback(self) -> None:
        self.surveys: dict[str, Survey] = {}
        self.feedback_at: datetime | None = None

    def issue_survey(
        self, *, survey_id: str, token_hash: str, expires_at: datetime, channel: Channel,
        by: str, at: datetime,
    ) -> None:
        """Send the customer a survey link that expires; needs an executed resolution. The
        link (its token) is never recorded: the notification names the survey by its id."""
        self.check_may_handle(by)
        if self.executed_proposal_id is None:
            raise SurveyTooEarly("a survey follows an executed resolution")
        Survey.check_new(expires_at, at)
        self._survey_issued(
            survey_id=survey_id, token_hash=token_hash, expires_at=expires_at, at=at
        )
        self._notify(channel, MessageKind.SURVEY, None, by, at, survey_id=survey_id)

    def revoke_survey(self, *, survey_id: str, by: str, reason: str, at: datetime) -> None:
        """Make a survey's link unusable before it expires (e.g. it went to the wrong person)."""
        self.check_may_handle(by)
        find(self.surveys, survey_id, UnknownSurvey, "no such survey").check_revocation(reason)
        self._survey_revoked(survey_id=survey_id, by=by, reason=reason, at=at)

    def revoke_open_surveys(self, *, by: str, reason: str, at: datetime) -> None:
        """Revoke every survey the customer could still answer."""
        for survey in list(self.surveys.values()):
            if survey.is_open(at):
                self._survey_revoked(survey_id=survey.survey_id, by=by, reason=reason, at=at)

    def answer_survey(
        self, *, token_hash: str, csat: int, nps: int | None, comment: str | None, at: datetime
    ) -> None:
        """The customer's answer: once, before the link expires."""
        survey = self.survey_by_hash(token_hash)
        survey.check_answer(csat, nps, comment, at)
        self._feedback_received(
            survey_id=survey.survey_id, csat=csat, nps=nps, comment=comment, at=at
        )

    def survey_due(self, *, at: datetime, delay: timedelta) -> bool:
        """Whether a survey should go out by itself: `delay` after the resolution notice,
        none sent since, the case still open."""
        told = self.resolution_notified_at
        if told is None or self.is_closed or at - told < delay:
            return False
        return not any(s.issued_at is not None and s.issued_at >= told
                       for s in self.surveys.values())

    def survey_by_hash(self, token_hash: str) -> Survey:
        """The survey this token hash opens (UnknownSurvey)."""
        for survey in self.surveys.values():
            if survey.token_hash == token_hash:
                return survey
        raise UnknownSurvey("no such survey")

    @event("SurveyIssued")
    def _survey_issued(
        self, *, survey_id: str, token_hash: str, expires_at: datetime, at: datetime
    ) -> None:
        self.surveys[survey_id] = Survey(survey_id, token_hash, expires_at, issued_at=at)

    @event("SurveyRevoked")
    def _survey_revoked(self, *, survey_id: str, by: str, reason: str, at: datetime) -> None:
        self.surveys[survey_id].revoked(at)

    @event("FeedbackReceived")
    def _feedback_received(
        self, *, survey_id: str, csat: int, nps: int | None, comment: str | None, at: datetime
    ) -> None:
        self.surveys[survey_id].answered(csat=csat, nps=nps, at=at)
        self.feedback_at = at
        self.quiet_since = None


def check_scores(csat: int, nps: int | None, comment: str | None) -> None:
    """Raise InvalidAnswer unless CSAT is 1-5, NPS 0-10 (or absent), the comment not too long."""
    if not 1 <= csat <= 5:
        raise InvalidAnswer("csat is from 1 to 5")
    if nps is not None and not 0 <= nps <= 10:
        raise InvalidAnswer("nps is from 0 to 10")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidAnswer("the comment is at most {n} characters", n=MAX_COMMENT)


class SurveyToken(Aggregate):
    """Finds the complaint a survey token belongs to, by the token's hash."""

    @staticmethod
    def create_id(token_hash: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"survey-token/{token_hash}")

    @event("Issued")
    def __init__(self, token_hash: str, complaint_id: str) -> None:
        self.complaint_id = complaint_id


class UnknownSurvey(NotFound):
    """No survey has this token."""


class SurveyTooEarly(WrongState):
    """There is nothing to rate yet."""


class SurveyAlreadyAnswered(WrongState):
    """A survey is answered once."""


class SurveyExpired(WrongState):
    """The survey link is past its expiry."""


class SurveyRevoked(WrongState):
    """The survey's link was revoked before it was answered."""


class InvalidAnswer(Invalid):
    """The scores are out of range."""
