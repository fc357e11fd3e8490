"""Resolution's message catalogue: every text it shows people, in Simplified Chinese and English.

Customers read texts in their complaint's language (learnt from intake); agents read the API in
the language their `Accept-Language` asks for; English when neither says. Error messages are
English templates (domain.errors.DomainError); the catalogue maps each template to its
Chinese one, so a message that has no translation falls back to English rather than failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contracts.intake import Language
from runtime import validation_messages
from runtime.language import negotiate
from services.resolution.domain.language import labelled
from services.resolution.domain.templates import FIELD_GAP, InvalidTemplateFields

__all__ = ["field_problems", "negotiate", "translated"]


def translated(template: str, params: Mapping[str, Any], language: Language | str | None) -> str:
    """The message in `language`: its Chinese template when asked for Chinese and known."""
    if language == Language.ZH:
        template = ZH.get(template, template)
    return template.format(**params) if params else template


def field_problems(error: InvalidTemplateFields, language: Language | str | None) -> str:
    """Each field of a note template that was filled wrong, and how, in `language`."""
    colon, separator = ("：", "；") if language == Language.ZH else (": ", "; ")
    return separator.join(f"{where}{colon}{_field_message(problem, language)}"
                          for where, problem in error.located())


# Error types of resolution's own template rules, which the runtime's catalogue cannot know.
FIELD_ZH: Mapping[str, str] = {FIELD_GAP: "填写 {later} 之前须先填写 {earlier}"}


def _field_message(problem: Mapping[str, Any], language: Language | str | None) -> str:
    own = FIELD_ZH.get(problem["type"]) if language == Language.ZH else None
    if own is not None:
        return own.format(**problem.get("ctx", {}))
    return validation_messages.message(problem, language or Language.EN)


SURVEY_QUESTIONS = labelled(
    csat=("How satisfied are you with how we handled your complaint? (1-5)",
          "您对我们处理此次投诉的方式满意吗？（1-5 分）"),
    nps=("How likely are you to recommend us to a friend? (0-10)",
         "您向朋友推荐我们的可能性有多大？（0-10 分）"),
    comment=("Anything else you want to tell us?", "您还有其他想告诉我们的吗？"),
)

STATUS_LABELS = labelled(
    open=("Open", "待处理"),
    investigating=("Investigating", "调查中"),
    closed=("Closed", "已结案"),
    pending_approval=("Awaiting approval", "待审批"),
    approved=("Approved", "已批准"),
    rejected=("Rejected", "已驳回"),
    executed=("Carried out", "已执行"),
)

SURVEY_STATUS = labelled(
    open=("Open for your answer", "待作答"),
    answered=("Answered", "已作答"),
    expired=("Expired", "已过期"),
    revoked=("Withdrawn", "已撤回"),
)


# SLA alerts by kind; the values are the SLA service's facts (deadline_at in ISO 8601).
SLA_ALERTS = labelled(
    warning=("{share_elapsed:.0%} of the time used; due {deadline_at}",
             "已用时限的 {share_elapsed:.0%}；截止 {deadline_at}"),
    breach=("deadline {deadline_at} passed", "截止时间 {deadline_at} 已过"),
    escalation=("escalated to {level}: {reason}", "已升级至 {level}：{reason}"),
)


def sla_alert_detail(
    kind: str, facts: Mapping[str, Any] | None, language: Language | str | None
) -> str | None:
    """An SLA alert told in `language` from its facts; None without facts (alerts recorded
    before the facts were kept have only their English detail)."""
    if not facts or kind not in SLA_ALERTS:
        return None
    values = dict(facts)
    if isinstance(deadline := values.get("deadline_at"), datetime):
        values["deadline_at"] = deadline.isoformat()
    return SLA_ALERTS[kind].in_(language).format(**values)


def status_label(status: str, language: Language | str | None) -> str:
    """A status code as people read it; the code itself when the catalogue lacks it."""
    labels = STATUS_LABELS.get(status)
    return labels.in_(language) if labels else status


ZH: Mapping[str, str] = {
    # The case and who may act on it
    "{actor} is conflicted on this complaint: {reason}":
        "{actor} 与此投诉存在利益冲突（回避）：{reason}",
    "{agent} already handles this case": "{agent} 已在处理此案件",
    "{person} is already declared conflicted": "{person} 已被声明为需回避",
    "the complaint is closed; reopen it first": "投诉已结案，请先重新打开",
    "text must not be blank": "内容不能为空",
    "tenant {tenant} has no approval policy in resolution; no other tenant's approvers may "
    "decide its proposals":
        "租户 {tenant} 在解决服务中没有审批策略；其他租户的审批人不得审批其方案",
    # Talking to the customer
    "a customer-visible update needs the customer's channel": "客户可见的进展需要指定客户的渠道",
    "surveys are sent with their own token: issue a survey instead":
        "满意度调查须带专属链接发送：请改用发起调查",
    "no resolution was executed yet": "尚未执行任何解决方案",
    "waiting on the customer since {since}": "自 {since} 起已在等待客户",
    "the complaint is not waiting on the customer": "投诉当前未在等待客户",
    # Investigation
    "structured fields need a template": "结构化字段需要指定模板",
    "sha256 must be 64 lowercase hex digits": "sha256 须为 64 位小写十六进制数字",
    "{content_type!r} is not accepted as evidence": "不接受 {content_type!r} 类型的证据",
    "no evidence {evidence_id!r} on this case": "此案件没有证据 {evidence_id!r}",
    "completion needs evidence": "完成任务需要提供证据",
    "no note template {template!r}; known: {known}": "没有笔记模板 {template!r}；可用：{known}",
    # Proposals and approval
    "no proposal {proposal_id!r} on this case": "此案件没有方案 {proposal_id!r}",
    "amount and currency go together": "金额与币种须同时提供",
    "approval thresholds are in {policy_currency}, the proposal is in {currency}":
        "审批金额门槛以 {policy_currency} 计，而此方案的币种为 {currency}",
    "{proposal_id} was executed already": "方案 {proposal_id} 已执行",
    "{proposal_id} was rejected": "方案 {proposal_id} 已被驳回",
    "{proposal_id} awaits approval step {step} ({role})":
        "方案 {proposal_id} 正等待第 {step} 步审批（{role}）",
    "{proposal_id} is {status}, not awaiting approval":
        "方案 {proposal_id} 状态为 {status}，不在待审批中",
    "{actor} proposed {proposal_id} and may not decide on it":
        "{actor} 提出了方案 {proposal_id}，不得自行审批（四眼原则）",
    "{actor} already approved an earlier step of {proposal_id}":
        "{actor} 已审批过方案 {proposal_id} 的前一步骤（四眼原则）",
    "step {step} of {proposal_id} needs the role {role}":
        "方案 {proposal_id} 第 {step} 步需要 {role} 角色审批",
    "a comment is at most {n} characters": "备注最多 {n} 个字符",
    "no solution {solution_id!r} in library {version}":
        "方案库 {version} 中没有方案 {solution_id!r}",
    "a {kind} needs an amount": "{kind} 需要金额",
    "a {kind} carries no amount": "{kind} 不涉及金额",
    "the amount must be positive": "金额必须为正数",
    "{solution_id} is capped at {max_amount}": "{solution_id} 的金额上限为 {max_amount}",
    # Execution
    "a task is due in the future": "任务的截止时间须在将来",
    "{assignee} is conflicted on this complaint and may not be given a task":
        "{assignee} 与此投诉存在利益冲突，不得分配任务",
    "no task {task_id!r} in proposal {proposal_id}": "方案 {proposal_id} 中没有任务 {task_id!r}",
    "{task_id} was completed by {by}": "任务 {task_id} 已由 {by} 完成",
    "{task_id} is assigned to {assignee}": "任务 {task_id} 已分配给 {assignee}",
    "tasks not completed yet: {tasks}": "尚有未完成的任务：{tasks}",
    # Survey
    "a survey follows an executed resolution": "满意度调查须在解决方案执行之后发起",
    "a survey expires in the future": "调查的过期时间须在将来",
    "no such survey": "没有该调查",
    "this survey was answered already": "此调查已作答",
    "this survey has expired": "此调查已过期",
    "this survey was revoked": "此调查已撤回",
    # Follow-ups (回访) and overdue tasks
    "no follow-up is open for this survey": "此调查没有待处理的回访",
    "no follow-up {task_id}": "没有回访 {task_id}",
    "no collaboration task {task_id}": "没有协办任务 {task_id}",
    "{task_id} was completed already": "{task_id} 已完成",
    "the follow-up {task_id} of a low survey score is still open":
        "低分调查的回访 {task_id} 尚未完成",
    "no open task {task_id}": "没有未完成的任务 {task_id}",
    "{task_id} is due at {due_at}": "{task_id} 的截止时间为 {due_at}",
    "{task_id} was reported overdue already": "{task_id} 已报告逾期",
    "a revocation needs a reason": "撤回需要说明理由",
    "csat is from 1 to 5": "满意度评分为 1 到 5",
    "nps is from 0 to 10": "推荐度评分为 0 到 10",
    "the comment is at most {n} characters": "评论最多 {n} 个字符",
    # Closure and reopening
    "the root cause category is a lowercase slug, e.g. courier_delay":
        "根本原因类别须为小写代码，例如 courier_delay",
    "{code!r} is not a root cause category of taxonomy {version}; allowed: {allowed}":
        "{code!r} 不是根本原因分类 {version} 中的类别；可用：{allowed}",
    "the why-chain needs at least one answer": "原因链至少需要一条回答",
    "at most {n} whys": "最多 {n} 个“为什么”",
    "the root cause detail is at most {n} characters": "根本原因说明最多 {n} 个字符",
    "closing needs a root cause category": "结案需要根本原因类别",
    "no resolution was executed": "尚未执行解决方案",
    "the customer was not told about the resolution": "尚未将解决方案告知客户",
    "the customer's personal data has been erased": "客户的个人数据已被删除",
    "the case is not ready to close by itself": "案件尚不满足自动结案条件",
    "the complaint is not closed": "投诉尚未结案",
    "closed at {closed_at}; reopening is possible for {window}":
        "结案于 {closed_at}；结案后 {window} 内可重新打开",
    # The API itself
    "case not found": "未找到案件",
    "not authenticated": "未认证",
    "the case changed meanwhile; read it again and retry": "案件已被他人修改，请重新读取后再试",
    "evidence failed its integrity check and is refused: {error}":
        "证据未通过完整性校验，已拒绝：{error}",
    "at most {limit} bytes": "最多 {limit} 字节",
    "the file is empty": "文件为空",
    "the file holds markup (HTML, SVG, XML or script), which is not accepted as evidence":
        "文件含有标记内容（HTML、SVG、XML 或脚本），不能作为证据",
    "the file's content is {sniffed}, not the declared {declared}":
        "文件内容为 {sniffed}，与声明的类型 {declared} 不符",
    "give text or complaint_id": "请提供 text 或 complaint_id",
}
