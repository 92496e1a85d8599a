"""Hook implementations of the evidence archive (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_models():
    from portal.core.evidence.models import EvidenceCheck, EvidenceRecord

    return [EvidenceCheck, EvidenceRecord]


@hookimpl
def register_cli_commands(cli):
    from portal.core.evidence.cli import evidence_group

    cli.add_command(evidence_group)


@hookimpl
def register_jobs():
    from portal.core.evidence.jobs import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.evidence.jobs import PERIODIC_JOBS

    return PERIODIC_JOBS
