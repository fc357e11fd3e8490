"""A published field that is sealed and capped takes the sealed length of its capped plaintext."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.personal import sealed_length
from contracts.resolution import ComplaintClosed, ProposalApproved
from runtime.vault import KeyVault

WIDEST = "\U0001f600"  # four bytes in UTF-8


@pytest.fixture
def vault(tmp_path):
    vault = KeyVault.from_url(f"sqlite:///{tmp_path / 'keys.sqlite'}")
    yield vault
    vault.close()


@pytest.mark.parametrize("characters", [1, 1_000, 2_000])
def test_the_sealed_length_is_that_of_the_widest_plaintext_sealed(vault, characters):
    sealed = vault.seal("acme", "complaint/c-1", WIDEST * characters)

    assert len(sealed) == sealed_length(characters)
    assert len(vault.seal("acme", "complaint/c-1", "a" * characters)) < sealed_length(characters)


def test_a_capped_comment_and_detail_fit_sealed_and_one_more_character_does_not(vault):
    def approved(comment: str) -> ProposalApproved:
        return ProposalApproved(complaint_id="c-1", proposal_id="p-1", approver="lead-1",
                                step=1, comment=comment)

    approved(vault.seal("acme", "complaint/c-1", WIDEST * 1_000))
    ComplaintClosed(complaint_id="c-1", closed_by="agent-1", root_cause_category="x",
                    why_chain=("y",),
                    root_cause_detail=vault.seal("acme", "complaint/c-1", WIDEST * 2_000))
    with pytest.raises(ValidationError):
        approved(vault.seal("acme", "complaint/c-1", WIDEST * 1_001))
