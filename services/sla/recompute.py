"""Re-basing and extending clocks: recompute a live clock under another rule or version.

A re-base keeps the working time already used and the alarms already fired, and moves the
alarms still to come. It is always recorded (ClockRebased), never silent.
"""

from __future__ import annotations

from services.sla.clocks import BREACH, Clock, Status, micros, timing
from services.sla.domain import Act, ComplaintSla
from services.sla.policy import ClockRule, ClockSpec, Policy


class Recomputation:
    """The re-basing half of the lifecycle (mixed into `Lifecycle`, which supplies the rest)."""

    def rebase(self, sla: ComplaintSla, *, act: Act, reason: str) -> list[str]:
        """Move the complaint's live clocks onto the policy and calendars now in force."""
        self.fire_due(sla, act.at)
        policy = self.catalog.active_policy(sla.tenant)
        sla._policy_rebased(policy_id=policy.policy_id, policy_version=policy.version,
                            cause=act.cause, actor=act.actor)
        return self._reconcile(sla, policy, "policy", act, reason=reason)

    def extend(self, sla: ComplaintSla, key: str, *, act: Act, reason: str,
               approval_id: str | None) -> None:
        """Take the next step of a regulatory clock's extension rule."""
        self.fire_due(sla, act.at)
        sla.check_live(key)
        clock = sla.clocks[key]
        rule = ClockRule.model_validate(clock.rule)
        if clock.extension_step >= len(rule.extensions):
            raise NoExtensionLeft(f"{key}: every extension was taken")
        step = rule.extensions[clock.extension_step]
        if step.requires == "approval" and not approval_id:
            raise ApprovalRequired(f"{key}: extending to {step.days} days needs an approval")
        if BREACH in clock.fired:
            raise ExtensionTooLate(f"{key}: the deadline has passed")
        self._recompute(
            sla, key, trigger="extension", act=act, reason=reason, approval_id=approval_id,
            rule=rule.model_copy(update={"days": step.days}), severity=clock.severity,
            policy=(clock.policy_id, clock.policy_version),
            calendar=(clock.calendar_id, clock.calendar_version), thresholds=clock.thresholds,
            gaming_share=clock.gaming_share, extension_step=clock.extension_step + 1,
        )


    def _reconcile(self, sla: ComplaintSla, policy: Policy, trigger: str, act: Act,
                   reason: str) -> list[str]:
        """Bring live clocks in line with a policy's specs; start missing ones, stop extra ones."""
        changed = []
        specs = policy.clock_specs(sla.context(self.catalog.tenants))
        for key, spec in specs.items():
            clock = sla.clocks.get(key)
            if clock is None or not clock.live:
                stopped = any(m.value in sla.milestones for m in spec.rule.stops_on or ())
                if clock is None and spec.rule.starts_on is None and not stopped:
                    self._start(sla, spec, sla.received_at, act)
                    changed.append(key)
                continue
            keep = trigger == "severity" and spec.calendar_id == clock.calendar_id
            calendar = (spec.calendar_id, clock.calendar_version if keep else
                        self.catalog.calendar(spec.calendar_id).version)
            if self._differs(clock, spec, calendar[1]):
                self._recompute(
                    sla, key, trigger=trigger, act=act, reason=reason, approval_id=None,
                    rule=spec.rule, severity=spec.severity.value,
                    policy=(spec.policy_id, spec.policy_version), calendar=calendar,
                    thresholds=spec.thresholds(), gaming_share=spec.gaming_share,
                    extension_step=0,
                )
                changed.append(key)
        for key, clock in list(sla.clocks.items()):
            if clock.live and key not in specs:
                self._stop(sla, key, f"no longer a target ({reason})", act, cancelled=True)
                changed.append(key)
        return changed

    @staticmethod
    def _differs(clock: Clock, spec: ClockSpec, calendar_version: str) -> bool:
        ours = (clock.policy_version, clock.calendar_id, clock.calendar_version, clock.rule,
                clock.thresholds, clock.gaming_share)
        theirs = (spec.policy_version, spec.calendar_id, calendar_version,
                  spec.rule.model_dump(mode="json"), spec.thresholds(), spec.gaming_share)
        return ours != theirs or (spec.regime is None and spec.severity.value != clock.severity)

    def _recompute(self, sla: ComplaintSla, key: str, *, trigger: str, act: Act, reason: str,
                   approval_id: str | None, rule: ClockRule, severity: str,
                   policy: tuple[str, str], calendar: tuple[str, str],
                   thresholds: dict[str, float], gaming_share: float,
                   extension_step: int) -> None:
        clock = sla.clocks[key]
        at = max(act.at, clock.running_since or act.at)
        consumed = clock.consumed_at(at, self.counting(clock))
        running = clock.status is Status.RUNNING
        changes = {
            "severity": severity, "policy_id": policy[0], "policy_version": policy[1],
            "calendar_id": calendar[0], "calendar_version": calendar[1],
            "rule": rule.model_dump(mode="json"), "thresholds": thresholds,
            "gaming_share": gaming_share, "extension_step": extension_step,
            "consumed_us": micros(consumed),
            **timing(rule, self.catalog.calendar(*calendar), clock.started_at, thresholds,
                     at=at, consumed=consumed,
                     fired=set(clock.fired), running=running),
        }
        if running:
            changes["running_since"] = at
        sla._clock_rebased(
            **sla.ref(key), trigger=trigger, changes=changes, at=at,
            previous_deadline_at=clock.deadline_at,
            deadline_at=clock.fired.get(BREACH) or changes["due"].get(BREACH),
            reason=reason, approval_id=approval_id,
            cause=act.cause, actor=act.actor,
        )


class NoExtensionLeft(Exception):
    """The clock's rule allows no further extension."""


class ApprovalRequired(Exception):
    """This extension step needs a recorded internal approval."""


class ExtensionTooLate(Exception):
    """A deadline that already passed cannot be extended."""
