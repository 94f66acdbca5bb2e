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


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pulumi-raystack")
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        from .. import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raystack", description="GPU node pools, KubeRay and Ray clusters "
                                     "on Kubernetes as one typed Pulumi stack.")
    parser.add_argument("--version", action="version", version=f"raystack {_version()}")
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
    plan.add_argument("--summary", action="store_true",
                      help="text: the pools, clusters, workloads and cost tables and the findings, not every resource")
    plan.add_argument("--out", type=Path, default=None, metavar="DIR",
                      help="write the Kubernetes objects as YAML (one file per object) plus Argo CD "
                      "Applications for the Helm charts and CRDs")
    plan.add_argument("--graph", type=Path, default=None, metavar="FILE",
                      help="write the dependency graph as Mermaid to FILE")
    plan.add_argument("--repo-url", default=None, metavar="URL",
                      help="with --out: the Git repository Argo CD reads the rendered files from (default: the "
                           "out directory's git remote origin)")
    plan.add_argument("--repo-path", default=None, metavar="PATH",
                      help="with --out: the rendered directory's path in that repository (default: its path "
                           "in the git work tree)")
    plan.add_argument("--crd-dir", type=Path, default=None, metavar="DIR",
                      help="directory holding the KubeRay CRDs (ray.io_rayclusters.yaml); default: the cache, "
                      "../shared/kuberay/crds, or a download of the pinned tag")
    plan.add_argument("--kubernetes-version", default=None, metavar="X.Y",
                      help="Kubernetes version for the OpenAPI schema check (default: the stack's)")
    plan.add_argument("--stack-outputs", action="append", default=[], metavar="REF=FILE",
                      help="what a StackReference to REF (org/project/stack) reads: FILE holds `pulumi stack output "
                           "--json --show-secrets` or `raystack plan --format json` of that stack (repeatable)")
    plan.add_argument("--no-ray", action="store_true", help="skip Ray's autoscaler parser check (reported)")
    plan.add_argument("--compare", type=Path, default=None, metavar="PLAN.json",
                      help="a previous `--format json` plan: warn about RayCluster edits that recreate every pod")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Called with ``argv`` (tests, embedding) it returns the exit code;
    as the console script (no ``argv``) it exits the process itself."""
    rc = _main(argv)
    if argv is None:
        import os

        # Skip interpreter teardown: after the mock engine has run, freeing every
        # Pulumi module and object at exit costs ~0.4 s.
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
    # Never another project's: outside a project, say so (newcomer review; issue 25). Before, an editable
    # install planned raystack's own checkout from any directory.
    raise UsageError(f"no Pulumi.yaml in the current directory ({cwd}): run raystack plan in the Pulumi project, "
                     "or pass --project-dir DIR")


def plan_command(args: argparse.Namespace) -> int:
    import yaml

    from ..model.findings import ConfigError
    from ..testing import project as projects
    from ..testing.recorder import run_program_dir
    from . import report as plan
    from .checks.crd_schema import CRD_FILE
    from .checks.worker import ValidationWorker
    from .objects import issue
    from .render import argocd, mermaid

    project_dir = _project_dir(args.project_dir)
    try:
        project = projects.load_project(project_dir)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise UsageError(f"cannot read {project_dir / 'Pulumi.yaml'}: {e}") from None
    if args.stack not in projects.stack_names(project):
        known = ", ".join(projects.stack_names(project)) or "none"
        raise UsageError(f"unknown stack {args.stack!r} (no {project.stack_dir / f'Pulumi.{args.stack}.yaml'}; "
                         f"stacks: {known})")
    if args.crd_dir is not None and not (args.crd_dir / CRD_FILE).is_file():
        raise UsageError(f"--crd-dir {args.crd_dir}: no {CRD_FILE} there")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: a file; --out takes a directory (raystack writes one file per object)")
    from ..testing.stack_outputs import (
        StackOutputsError,
        load_stack_outputs,
        parse_reference_file,
        stack_outputs,
    )
    try:
        references = dict(parse_reference_file(t) for t in args.stack_outputs)
        given = {ref: load_stack_outputs(path) for ref, path in references.items()}
    except StackOutputsError as e:
        raise UsageError(f"--stack-outputs {e}") from None
    try:
        config = projects.load_stack_config(project, args.stack)
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read stack {args.stack!r}: {e}") from None

    # The validators (and Ray) load in a child process now, while the program runs.
    worker = ValidationWorker(args.crd_dir, project_dir, ray=not args.no_ray)

    def fail(findings: list[Any]) -> int:
        return _fail(findings, args, project.name)

    try:
        platform, findings = plan.resolve(config, args.stack)
        if findings:  # the program would raise the same ConfigError before registering anything
            return fail(findings)
        try:
            with stack_outputs(given):
                recording = run_program_dir(project.program_dir, config, project=project.name, stack=args.stack)
        except ConfigError as e:
            return fail(plan.config_findings(e, args.stack))
        except Exception as e:  # noqa: BLE001 (the program itself failed: report it, no traceback)
            cause = _config_error_in(e)
            if cause is not None:
                return fail(plan.config_findings(cause, args.stack))
            return fail([issue("error", "program", f"stack {args.stack}", str(project.program_dir),
                               f"the Pulumi program failed: {type(e).__name__}: {e}")])
        if platform is None and not isinstance(recording.outputs.get("node_pools"), list):
            platform = plan.platform_of_references(list(given.values()))  # a team stack: the platform's pools
        # kubernetesDelivery gitops: `pulumi up` registers the cloud side only (``recording``); the Kubernetes
        # side Argo CD applies is the same program's with pulumi delivery, rendered, checked and written.
        rendered = recording
        if platform is not None and platform.kubernetes_delivery == "gitops":
            with stack_outputs(given):
                rendered = run_program_dir(project.program_dir, {**config, "raystack:kubernetesDelivery": "pulumi"},
                                           project=project.name, stack=args.stack)
        report = plan.build_report(rendered, platform, project=project.name, stack=args.stack,
                                   region=projects.stack_region(config),
                                   project_dir=project_dir, crd_dir=args.crd_dir, validator=worker,
                                   kubernetes_version=args.kubernetes_version)
        if rendered is not recording:  # the tree and the resources are what `pulumi up` applies
            report = plan.applied_only(report, recording, rendered)
    finally:
        worker.close()

    if args.compare is not None:
        from .compare import (
            drifted_karpenter_nodes,
            recreated_clusters,
            replaced_pool_nodes,
            rerun_jobs_and_upgraded_services,
            reserved_pool_version_updates,
        )

        try:
            previous = json.loads(args.compare.read_text())
        except (OSError, ValueError) as e:
            raise UsageError(f"--compare {args.compare}: not a plan JSON ({e})") from None
        now = report.to_json()
        report.findings.extend(recreated_clusters(previous, now) + rerun_jobs_and_upgraded_services(previous, now)
                               + reserved_pool_version_updates(previous, now) + replaced_pool_nodes(previous, now)
                               + drifted_karpenter_nodes(previous, now))
    if args.out is not None:
        files, file_findings = argocd.gitops_files(rendered, project.name, args.stack)
        report.findings.extend(file_findings)
        repo = args.repo_url or _git(args.out, "remote", "get-url", "origin")
        top = _git(args.out, "rev-parse", "--show-toplevel")
        path = args.repo_path or (str(args.out.resolve().relative_to(Path(top).resolve()))
                                  if top and args.out.resolve().is_relative_to(Path(top).resolve()) else None)
        if repo and path:
            files.update(argocd.object_applications(files, project.name, args.stack, repo, path))
        else:
            report.findings.append(issue("warning", "gitops", "--out", "repo",
                                         "no Application deploys the rendered objects: pass --repo-url and "
                                         "--repo-path (the Git repository and the directory --out is in there)"))
        _written, pruned = argocd.write_files(args.out, files, args.stack)
        report.pruned = [str(p) for p in pruned]
    if args.graph is not None:
        args.graph.parent.mkdir(parents=True, exist_ok=True)
        args.graph.write_text(mermaid.mermaid(recording, project.name, args.stack))

    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    else:
        from .text import print_text

        print_text(report, args)
    for f in report.findings:
        print(f.line(), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _git(where: Path, *args: str) -> str | None:
    """A git command's output run at ``where`` (or its nearest existing parent); None if it fails."""
    import subprocess

    d = where.resolve()
    while not d.exists() and d != d.parent:
        d = d.parent
    try:
        out = subprocess.run(["git", "-C", str(d), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _config_error_in(e: BaseException) -> Any:
    from ..model.findings import ConfigError

    seen = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ConfigError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _fail(findings: list[Any], args: argparse.Namespace, project: str) -> int:
    """Findings before anything was registered: on stderr, and with --format json also as the
    JSON document on stdout (no resources; ``valid`` false when any is an error)."""
    if args.format == "json":
        doc = {"stack": args.stack, "project": project, "valid": not any(f.severity == "error" for f in findings),
               "resources": [], "validation": [f.to_json() for f in findings]}
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    for f in findings:
        print(f.line(), file=sys.stderr)
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
