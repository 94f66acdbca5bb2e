"""Text output of ``raystack plan`` (rich tables). Rich is imported here, only when printing."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .operations import operations, text_lines
from .report import Report, tree_rows

#: Below this many columns, pools and Ray groups print as lines, not tables.
NARROW = 120


def _money(x: float | None) -> str:
    return "n/a" if x is None else f"${x:,.2f}"


#: AWS prices a month as 730 hours (8,760 hours a year / 12).
HOURS_PER_MONTH = 730


def _monthly(x: float | None) -> float | None:
    return None if x is None else x * HOURS_PER_MONTH


def left_truncated(text: str, width: int) -> str:
    """``text`` cut from the left to ``width`` characters: an image keeps its tag (issue 25)."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _table(title: str, columns: tuple[str, ...], right: tuple[str, ...]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c in right else "left")
    return t


def print_text(report: Report, args: argparse.Namespace, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if console is None:
        console = Console(highlight=False)  # a terminal's width, or COLUMNS (rich reads it)
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = Console(highlight=False, width=max(console.width, 140))  # a pipe or a CI log
    if getattr(args, "summary", False):  # the tables and the findings only
        console.print(f"Stack {report.project}/{report.stack}: {len(report.recording.resources)} resources "
                      "(mock engine, nothing is created)")
    else:
        t = Table(title=f"Stack {report.project}/{report.stack}: {len(report.recording.resources)} resources "
                  "(mock engine, nothing is created)", title_justify="left", box=None, pad_edge=False)
        # One line per resource at any width: a wrapped type would leave its tree connector behind.
        t.add_column("  Type", no_wrap=True, overflow="ellipsis")
        t.add_column("Name", style="bold", no_wrap=True, overflow="ellipsis")
        for typ, name in tree_rows(report.tree):
            t.add_row(Text.assemble(("+ ", "green"), typ), name)
        console.print(t)

    if report.pools and console.width < NARROW:
        console.print("Node pools", style="italic")
        for p in report.pools:
            console.print(f"  {p['pool']}: {p['instance'] or '-'}, {p['accelerator']}, {p['min']}..{p['max']} nodes, "
                          f"{p['capacity_type']}{' (existing)' if p['source'] == 'existing' else ''}, "
                          f"{_money(p['price_usd_per_hour'])}/h per node")
    elif report.pools:
        pt = _table("Node pools", ("Pool", "Instance", "Accelerator", "Count", "Min", "Max", "Capacity",
                                   "$/h per node"), right=("Count", "Min", "Max", "$/h per node"))
        for p in report.pools:
            pt.add_row(p["pool"], p["instance"] or "-", p["accelerator"], str(p["accelerators_per_node"]),
                       str(p["min"]), str(p["max"]),
                       p["capacity_type"] + (" (existing)" if p["source"] == "existing" else ""),
                       _money(p["price_usd_per_hour"]))
        console.print(pt)
    if report.clusters and console.width < NARROW:
        # A narrow terminal: one line per group, then its image, rather than a 10-column table
        # whose cells would all be cut.
        console.print("Ray clusters", style="italic")
        for r in report.clusters:
            console.print(f"  {r['namespace']}/{r['cluster']} {r['group']}: {r['accelerators_per_worker']} accel, "
                          f"{r['cpu']} CPU, {_gib(r['memory_mib'])}, {r['min_workers']}..{r['max_workers']} on {r['pool'] or '-'} "
                          f"({r['node']})")
            console.print(f"      {r['image'] or '-'}")
    elif report.clusters:
        ct = _table("Ray clusters", ("Cluster", "Group", "Pool", "Node OS/arch", "Accel/worker", "CPU", "Memory",
                                     "Min", "Max", "Image"), right=("Accel/worker", "CPU", "Memory", "Min", "Max"))
        ct.columns[-1].no_wrap = True  # one line per group; a long image loses its registry, not its tag
        for r in report.clusters:
            ct.add_row(f"{r['namespace']}/{r['cluster']}", r["group"], r["pool"] or "-", r["node"],
                       str(r["accelerators_per_worker"]), str(r["cpu"]), _gib(r["memory_mib"]),
                       str(r["min_workers"]), str(r["max_workers"]),
                       left_truncated(r["image"] or "-", max(30, console.width // 3)))
        console.print(ct)
    for r in report.clusters:  # what the smoke test's collective checks hold each group to (issue 20)
        c = r.get("collective_check")
        if c:
            console.print(f"Collective check {r['namespace']}/{r['cluster']} {r['group']}: {c['backend']} all-reduce, "
                          f"{c['ranks']} ranks on 2 workers; fails below {c['floor_gbytes']} GB/s bus bandwidth "
                          f"({c['floor_source']})")
    for line in text_lines(operations(report.platform)):  # GCS fault tolerance, metrics and dashboards
        console.print(line)
    if report.workloads and console.width < NARROW:
        console.print("Jobs and services", style="italic")
        for w in report.workloads:
            console.print(f"  {w['kind']} {w['namespace']}/{w['name']} on {w['runs_on']}"
                          f"{', schedule ' + w['schedule'] if w['schedule'] else ''}; waits for "
                          f"{w['wait_for'] or 'nothing'}; workers {_money(w['cluster_idle_usd_per_hour'])} - "
                          f"{_money(w['cluster_max_usd_per_hour'])}/h")
    elif report.workloads:
        wt = _table("Jobs and services (worker nodes of their cluster, $/h at min - max)",
                    ("Kind", "Name", "Runs on", "Schedule", "pulumi up waits for", "Cluster $/h"),
                    right=("Cluster $/h",))
        for w in report.workloads:
            wt.add_row(w["kind"], f"{w['namespace']}/{w['name']}", w["runs_on"], w["schedule"] or "-",
                       w["wait_for"] or "-",
                       f"{_money(w['cluster_idle_usd_per_hour'])} - {_money(w['cluster_max_usd_per_hour'])}")
        console.print(wt)
    c = report.cost
    cost_t = Table(title=f"Cost (catalog on-demand prices, USD; a month is {HOURS_PER_MONTH} hours)",
                   title_justify="left")
    cost_t.add_column("")
    cost_t.add_column("Idle /h", justify="right")
    cost_t.add_column("Idle /month", justify="right")
    cost_t.add_column("Max /h", justify="right")
    cost_t.add_column("Max /month", justify="right")
    rows = [("Worker pools", c["idle_usd_per_hour"], c["max_usd_per_hour"]),
            # (a cloud with its own record, AKS, has no NAT gateways in its baseline)
            ("Baseline: control plane, system pool" + (", NAT" if getattr(report.platform, "cloud_plan", None) is None
                                                       else ""),
             c["baseline_usd_per_hour"], c["baseline_max_usd_per_hour"])]
    if "existing_idle_usd_per_hour" in c:
        rows = [("Worker pools this stack creates", c["idle_usd_per_hour"], c["max_usd_per_hour"]),
                ("Existing pools (the cluster owner's bill)", c["existing_idle_usd_per_hour"],
                 c["existing_max_usd_per_hour"])]
    for label, low, high in rows:
        cost_t.add_row(label, _money(low), _money(_monthly(low)), _money(high), _money(_monthly(high)))
    console.print(cost_t)
    console.print(f"[dim]{c['notes']}[/dim]")
    console.print(f"Kubernetes API: {report.api_access}")
    for p in report.pools:
        if p["efa"]:
            e = p["efa"]
            console.print(f"EFA pool {p['pool']}: {e['interfaces_per_node']} interfaces and "
                          f"{e['hugepages_mib_per_node']} MiB of huge pages per node; one subnet: {e['subnet']}; "
                          f"placement: {e['placement']}")
        if p["karpenter"]:
            k = p["karpenter"]
            prices = (f"${k['price_usd_per_hour_min']:.2f}-${k['price_usd_per_hour_max']:.2f}/h on demand"
                      if k["price_usd_per_hour_max"] is not None else "prices unknown")
            sees = ", ".join(f"{r['resource']} {r['count']}" for r in k["ray_resources_per_node"]) or "no accelerator"
            console.print(f"Karpenter pool {p['pool']}: {len(k['candidates'])} candidates "
                          f"({', '.join(k['candidates'])}), {'/'.join(k['capacity_types'])}, {prices}; workers sized for "
                          f"{k['sized_for']} (Ray sees {sees} a node); limits {k['limits']}; {k['disruption']}")
    if report.kubernetes_delivery == "gitops":
        console.print(f"Kubernetes delivery: {report.delivery_line}")
    for line in report.network_exceptions:
        console.print(f"NetworkPolicy exception: {line}")
    for check, what in report.checks.items():
        console.print(f"checked {check}: {what}")
    errors = sum(f.severity == "error" for f in report.findings)
    warnings = len(report.findings) - errors
    if args.out is not None:
        console.print(f"wrote Kubernetes objects and Argo CD Applications to {args.out}")
        for gone in report.pruned:
            console.print(f"pruned {gone}: written by an earlier --out of this stack, gone from the plan")
    if args.graph is not None:
        console.print(f"wrote dependency graph (Mermaid) to {args.graph}")
    if errors:
        console.print(f"[red]{errors} error(s)[/red], {warnings} warning(s) (on stderr)")
    else:
        console.print(f"[green]valid[/green]; {warnings} warning(s)" + (" (on stderr)" if warnings else ""))


def _gib(mib: int | None) -> str:
    """Memory in one unit everywhere in the text output: GiB with one decimal."""
    return "-" if mib is None else f"{mib / 1024:.1f} GiB"
