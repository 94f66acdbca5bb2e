"""The ``raystack`` console command.

``raystack plan`` runs a stack's Pulumi program in-process under the SDK's mock
engine, prints what it would create (resource tree, node pools, Ray clusters,
hourly cost) and validates every RayCluster (KubeRay CRD schema, Ray's own
autoscaler parser) and every core Kubernetes object (Kubernetes' OpenAPI
schemas). Exit 0 when valid, 1 with findings on stderr, 2 on usage errors.

Importing this module is cheap: Pulumi, rich and the validators load inside
``main``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raystack", description="GPU node pools, KubeRay and Ray clusters "
                                     "on Kubernetes as one typed Pulumi stack.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    plan = sub.add_parser("plan", help="run the stack's program under the mock engine, report and validate it",
                          description="Run a stack's Pulumi program in-process under the SDK's mock engine "
                          "(no cloud credentials, no Pulumi CLI), print the resources, node pools, Ray "
                          "clusters and hourly cost, and validate every RayCluster against the KubeRay CRD "
                          "schema and Ray's autoscaler parser and every Kubernetes object against Kubernetes' "
                          "OpenAPI schemas. Exit 0 when valid, 1 with findings on stderr, 2 on usage errors.")
    plan.add_argument("--stack", "-s", default="dev", help="stack name: reads <stackConfigDir>/Pulumi.NAME.yaml "
                      "(default: dev)")
    plan.add_argument("--project-dir", "-C", type=Path, default=None,
                      help="Pulumi project directory (default: the current directory if it has a Pulumi.yaml)")
    plan.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format")
    plan.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="write the Kubernetes objects as YAML (one file per object) plus Argo CD "
                      "Applications for the Helm charts and CRDs")
    plan.add_argument("--graph", type=Path, default=None, metavar="FILE",
                      help="write the dependency graph as Mermaid to FILE")
    plan.add_argument("--crd-dir", type=Path, default=None, metavar="DIR",
                      help="directory holding the KubeRay CRDs (ray.io_rayclusters.yaml); default: the cache, "
                      "../shared/kuberay/crds, or a download of the pinned tag")
    plan.add_argument("--kubernetes-version", default=None, metavar="X.Y",
                      help="Kubernetes version for the OpenAPI schema check (default: the stack's)")
    plan.add_argument("--no-ray", action="store_true", help="skip Ray's autoscaler parser check (reported)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Called with ``argv`` (tests, embedding) it returns the exit code.
    Called as the console script (no ``argv``) it exits the process itself, skipping
    interpreter teardown: after the mock engine has run, freeing every Pulumi module
    and object at exit costs ~0.4 s, a fifth of the whole plan."""
    rc = _main(argv)
    if argv is None:
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    return rc


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 on usage errors, 0 for --help
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    try:
        if args.command == "plan":
            return plan_command(args)
    except UsageError as e:
        print(f"raystack {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_usage(sys.stderr)
    return EXIT_USAGE


def _project_dir(given: Path | None) -> Path:
    if given is not None:
        if not (given / "Pulumi.yaml").is_file():
            raise UsageError(f"no Pulumi.yaml in {given}")
        return given
    cwd = Path.cwd()
    if (cwd / "Pulumi.yaml").is_file():
        return cwd
    checkout = Path(__file__).resolve().parents[2]  # an editable install's repository
    if (checkout / "Pulumi.yaml").is_file():
        return checkout
    raise UsageError("no Pulumi.yaml in the current directory; pass --project-dir DIR")


def plan_command(args: argparse.Namespace) -> int:
    import yaml

    from . import engine, plan
    from .errors import ConfigError

    project_dir = _project_dir(args.project_dir)
    try:
        project = engine.load_project(project_dir)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise UsageError(f"cannot read {project_dir / 'Pulumi.yaml'}: {e}") from None
    if args.stack not in engine.stack_names(project):
        known = ", ".join(engine.stack_names(project)) or "none"
        raise UsageError(f"unknown stack {args.stack!r} (no {project.stack_dir / f'Pulumi.{args.stack}.yaml'}; "
                         f"stacks: {known})")
    if args.crd_dir is not None and not (args.crd_dir / plan.CRD_FILE).is_file():
        raise UsageError(f"--crd-dir {args.crd_dir}: no {plan.CRD_FILE} there")
    try:
        config = engine.load_stack_config(project, args.stack)
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read stack {args.stack!r}: {e}") from None

    # The validators (and Ray) load in a child process now, while the program runs.
    worker = plan.ValidationWorker(args.crd_dir, project_dir, ray=not args.no_ray)
    try:
        platform, findings = plan.resolve(config, args.stack)
        if findings:  # the program would raise the same ConfigError before registering anything
            return _fail(findings)
        try:
            recording = engine.run_program_dir(project.program_dir, config, project=project.name, stack=args.stack)
        except ConfigError as e:
            return _fail(plan.config_findings(e, args.stack))
        except Exception as e:  # noqa: BLE001 (the program itself failed: report it, no traceback)
            cause = _config_error_in(e)
            if cause is not None:
                return _fail(plan.config_findings(cause, args.stack))
            return _fail([plan.Finding("error", "program", f"stack {args.stack}", str(project.program_dir),
                                       f"the Pulumi program failed: {type(e).__name__}: {e}")])
        report = plan.build_report(recording, platform, project=project.name, stack=args.stack,
                                   project_dir=project_dir, crd_dir=args.crd_dir, validator=worker,
                                   kubernetes_version=args.kubernetes_version)
    finally:
        worker.close()

    if args.out is not None:
        files, file_findings = plan.gitops_files(recording, project.name, args.stack)
        report.findings.extend(file_findings)
        plan.write_files(args.out, files)
    if args.graph is not None:
        args.graph.parent.mkdir(parents=True, exist_ok=True)
        args.graph.write_text(plan.mermaid(recording, project.name, args.stack))

    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    else:
        _print_text(report, args)
    for f in report.findings:
        print(f.line(), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _config_error_in(e: BaseException) -> Any:
    from .errors import ConfigError

    seen = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ConfigError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _fail(findings: list[Any]) -> int:
    for f in findings:
        print(f.line(), file=sys.stderr)
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK


def _money(x: float | None) -> str:
    return "n/a" if x is None else f"${x:,.2f}"



def _table(title: str, columns: tuple[str, ...], right: tuple[str, ...]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c in right else "left")
    return t

def _print_text(report: Any, args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    from . import plan

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 140))
    t = Table(title=f"Stack {report.project}/{report.stack}: {len(report.recording.resources)} resources "
              "(mock engine, nothing is created)", title_justify="left", box=None, pad_edge=False)
    t.add_column(" ", style="green")
    t.add_column("Type")
    t.add_column("Name", style="bold")
    for typ, name in plan.tree_rows(report.tree):
        t.add_row("+", typ, name)
    console.print(t)

    if report.pools:
        pt = _table("Node pools", ("Pool", "Instance", "Accelerator", "Count", "Min", "Max", "Capacity",
                                   "$/h per node"), right=("Count", "Min", "Max", "$/h per node"))
        for p in report.pools:
            pt.add_row(p["pool"], p["instance"] or "-", p["accelerator"], str(p["accelerators_per_node"]),
                       str(p["min"]), str(p["max"]),
                       p["capacity_type"] + (" (existing)" if p["source"] == "existing" else ""),
                       _money(p["price_usd_per_hour"]))
        console.print(pt)
    if report.clusters:
        ct = _table("Ray clusters", ("Cluster", "Group", "Pool", "Accel/worker", "CPU", "Memory", "Min", "Max"),
                    right=("Accel/worker", "CPU", "Min", "Max"))
        for r in report.clusters:
            ct.add_row(f"{r['namespace']}/{r['cluster']}", r["group"], r["pool"] or "-",
                       str(r["accelerators_per_worker"]), str(r["cpu"]), str(r["memory"]),
                       str(r["min_workers"]), str(r["max_workers"]))
        console.print(ct)
    c = report.cost
    cost_t = Table(title="Cost (catalog on-demand prices, USD per hour)", title_justify="left")
    cost_t.add_column("")
    cost_t.add_column("Idle (pools at min)", justify="right")
    cost_t.add_column("Max (pools at max)", justify="right")
    cost_t.add_row("GPU pools", _money(c["idle_usd_per_hour"]), _money(c["max_usd_per_hour"]))
    cost_t.add_row("Baseline: EKS control plane + system pool", _money(c["baseline_usd_per_hour"]),
                   _money(c["baseline_max_usd_per_hour"]))
    console.print(cost_t)
    console.print(f"[dim]{c['notes']}[/dim]")
    for check, what in report.checks.items():
        console.print(f"checked {check}: {what}")
    errors = sum(f.severity == "error" for f in report.findings)
    warnings = len(report.findings) - errors
    if args.out is not None:
        console.print(f"wrote Kubernetes objects and Argo CD Applications to {args.out}")
    if args.graph is not None:
        console.print(f"wrote dependency graph (Mermaid) to {args.graph}")
    if errors:
        console.print(f"[red]{errors} error(s)[/red], {warnings} warning(s) (on stderr)")
    else:
        console.print(f"[green]valid[/green]; {warnings} warning(s)" + (" (on stderr)" if warnings else ""))


if __name__ == "__main__":
    sys.exit(main())
