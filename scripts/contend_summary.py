"""The report's first screen: the answers before the tables.

Per family and machine, the C implementation that is fastest against Go
(the geometric mean of its C / Go ratios over the family's cases) with a
chart of it; per family, each machine's geometric mean against the
baseline over the cases both measured; the five largest differences
between machines and the five largest C / Go gaps, each linked to its
benchmark; one line of run conditions per machine. scripts/compare calls
summarize(); the figures come from the records, nothing is assumed."""
import math

import contend_results as cr

TOP = 5


def ok(r):
    return (r is not None and r.get("status") == "ok"
            and (cr.get(r, "ns_per_op.median") or 0) > 0)


def family(bench):
    return bench.split("/", 1)[0]


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def best_vs_go(recs):
    """{family: (impl, geomean C / Go, lowest, highest, cases)} of one
    machine's records: the C implementation whose ratios to Go's mirror
    are least over the family's cases that have one."""
    ratios = {}
    for key, r in recs.items():
        g = r.get("go_ratio")
        if ok(r) and not cr.is_go(r) and isinstance(g, (int, float)) \
                and g > 0:
            ratios.setdefault((family(key[0]), key[1]), []).append(g)
    best = {}
    for (fam, impl), xs in ratios.items():
        gm = geomean(xs)
        if fam not in best or gm < best[fam][1]:
            best[fam] = (impl, gm, min(xs), max(xs), len(xs))
    return best


def machine_ratios(recs, base):
    """[(key, ns / baseline ns)] over the cases both machines measured."""
    out = []
    for key, r in recs.items():
        b = base.get(key)
        if ok(r) and ok(b):
            out.append((key, r["ns_per_op"]["median"]
                        / b["ns_per_op"]["median"]))
    return out


CONDITIONS = ["machine", "cases", "disturbed", "noisy (CV > 5%)",
              "two levels", "failed or timed out", "counters unavailable"]


def conditions(m, docs, recs, short):
    """A row: how many cases were disturbed, noisy or at two levels, and
    what could not be counted."""
    oks = [r for r in recs.values() if ok(r)]
    unavailable = sorted((cr.get(docs[-1], "run.counters.unavailable")
                          or {}).keys())
    return [short(m) + (" (EMULATED: the emulator's timings)"
                        if cr.emulated(docs) else ""),
            str(len(oks)),
            str(sum(1 for r in oks if cr.disturbed(r))),
            str(sum(1 for r in oks if r.get("noisy"))),
            str(sum(1 for r in oks if r.get("level_shift"))),
            str(sum(1 for r in recs.values()
                    if r.get("status") in ("failed", "timeout"))),
            ", ".join(unavailable) or "none"]


def doubt(*rs):
    """' (noisy)' and the like where a figure is not to be trusted."""
    marks = {"disturbed" if cr.disturbed(r) else None for r in rs} | \
            {"noisy" if r.get("noisy") else None for r in rs} | \
            {"two levels" if r.get("level_shift") else None for r in rs}
    marks.discard(None)
    return f" ({', '.join(sorted(marks))})" if marks else ""


def link(key):
    return cr.slug("b-" + key[0])


def chart(rep, plt, machines, best, short):
    fams = sorted({f for b in best.values() for f in b})
    if not fams:
        return
    ids = [m for m in machines if best.get(m)]
    fig, ax = plt.subplots(figsize=(6.5, 0.6 + 0.2 * len(fams) * len(ids)))
    h = 0.8 / max(len(ids), 1)
    for i, m in enumerate(ids):
        ys, xs, lo, hi = [], [], [], []
        for j, f in enumerate(fams):
            if f in best[m]:
                _, gm, mn, mx, _ = best[m][f]
                ys.append(j + i * h)
                xs.append(gm)
                lo.append(gm - mn)
                hi.append(mx - gm)
        ax.barh(ys, xs, height=h, xerr=[lo, hi], capsize=2,
                label=short(m))
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks([j + h * (len(ids) - 1) / 2 for j in range(len(fams))])
    ax.set_yticklabels(fams)
    ax.invert_yaxis()
    ax.set_xlabel("best C / Go (< 1: C faster)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    rep.figure(fig, "summary-best-vs-go",
               "Per family and machine, the fastest C implementation "
               "against Go: the geometric mean of its C / Go ratios, "
               "whiskers from the family's lowest to its highest case "
               "(the table below names the implementation)")
    plt.close(fig)


def machines_table(rep, machines, recs, baseline, short):
    """Per family, each machine's geometric mean over the baseline's;
    returns the TOP cases furthest from it."""
    others = [m for m in machines
              if baseline is not None and m != baseline
              and not cr.emulated(machines[m])]
    if not others:
        return []
    per = {m: machine_ratios(recs[m], recs[baseline]) for m in others}
    rows = []
    for f in sorted({family(k[0]) for m in others for k, _ in per[m]}):
        row = [f]
        for m in others:
            xs = [x for k, x in per[m] if family(k[0]) == f]
            gm = geomean(xs)
            row.append(f"×{gm:.2f} ({len(xs)} cases)" if gm else "—")
        rows.append(row)
    rep.table(["family: geomean ÷ " + short(baseline) + " (> 1 slower)"]
              + [short(m) for m in others], rows)
    return sorted(((abs(math.log(x)), m, k, x) for m in others
                   for k, x in per[m]), reverse=True)[:TOP]


def best_table(rep, machines, best, short):
    rows = []
    for f in sorted({f for b in best.values() for f in b}):
        row = [f]
        for m in machines:
            b = best[m].get(f)
            row.append(f"{b[0]} ×{b[1]:.2f} Go ({b[4]} cases)" if b
                       else "—")
        rows.append(row)
    if rows:
        rep.table(["family"] + [short(m) for m in machines], rows)


def go_gaps(rep, machines, recs, best, short):
    """The TOP cases where Go is furthest ahead of the family's best C
    implementation, and the TOP where C is."""
    go = sorted((r["go_ratio"], m, k)
                for m in machines for k, r in recs[m].items()
                if ok(r) and not cr.is_go(r)
                and isinstance(r.get("go_ratio"), (int, float))
                and r["go_ratio"] > 0
                and best[m].get(family(k[0]), (None,))[0] == k[1])
    for title, picked in (("Go furthest ahead", go[::-1][:TOP]),
                          ("C furthest ahead", go[:TOP])):
        if picked:
            rep.links(f"{title} (C / Go of each family's best C "
                      "implementation)",
                      [(f"{cr.case_name(k)} on {short(m)}: ×{g:.2f}"
                        + doubt(recs[m][k]), link(k))
                       for g, m, k in picked])


def summarize(rep, plt, machines, recs, baseline, short):
    """The summary section, first in the report."""
    rep.heading(2, "Summary", "summary")
    rep.table(CONDITIONS, [conditions(m, d, recs[m], short)
                           for m, d in machines.items()], kind="conditions")
    gaps = machines_table(rep, machines, recs, baseline, short)
    best = {m: best_vs_go(recs[m]) for m in machines}
    chart(rep, plt, machines, best, short)
    best_table(rep, machines, best, short)
    if gaps:
        rep.links(f"The {len(gaps)} largest differences from "
                  f"{short(baseline)}",
                  [(f"{cr.case_name(k)}: {short(m)} ×{x:.2f}"
                    + doubt(recs[m][k], recs[baseline][k]), link(k))
                   for _, m, k, x in gaps])
    go_gaps(rep, machines, recs, best, short)
