"""Markdown tables of a ``python -m bench.perf`` result (bench/results/perf.md)."""

from __future__ import annotations


def _f(value, digits: int = 1) -> str:  # noqa: ANN001
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "**missed**")


def _machine(m: dict, mode: str, total: float | None) -> list[str]:
    return [f"Measured {m['date']} on {m['cpu']}, {m['cpus']} CPUs, {m['ram_gb']} GB RAM, "
            f"Python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads); load "
            f"average at start {m['load_avg_1m']} (the 2 cores are shared). Mode: {mode}; "
            f"total {_f(total)} s.", ""]


def _floor(rows: list[dict]) -> list[str]:
    lines = [
        "### Analysis throughput against the floor (target: ratio <= 1.2)", "",
        "| model | store items | new texts | bare encode s (before / after) | texts/s | "
        "Vigie analyse s (embed / narratives / score) | ratio | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        split = r["vigie_split_s"]
        lines.append(
            f"| {r['model']}{' (Vigie on ONNX)' if r.get('backend') == 'onnx' else ''} | "
            f"{_f(r['store_items'])} | {_f(r['texts_encoded'])} | "
            f"{_f(r['floor_s'], 2)} ({_f(r['floor_before_s'], 2)} / {_f(r['floor_after_s'], 2)}) | "
            f"{_f(r['floor_texts_per_s'])} | {_f(r['vigie_s'], 2)} ({_f(split['embed_s'], 2)} / "
            f"{_f(split['narratives_s'], 2)} / {_f(split['score_s'], 2)}) | {_f(r['ratio'], 2)} | "
            f"{_met(r['met'])} |")
    return [*lines, ""]


def _incremental(r: dict) -> list[str]:
    lines = [f"### Incremental runs on a {_f(r['store_items'])}-item store "
             "(target: nothing new < 2 s, cost proportional to what is new)", "",
             "| new | store items | embedding | run s (in process) | embed / narratives / score s"
             " | narratives touched / scored / kept | neighbour rows searched / kept "
             "| s per 1k new beyond nothing-new | est. embed s | peak RSS MB |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        lines.append(
            f"| {_f(row['new_items'])} ({row['new_fraction']:.0%}) | {_f(row['store_items'])} | "
            f"{row['embedding']} | {_f(row.get('run_s'), 2)} | {_f(row.get('embed_s'), 2)} / "
            f"{_f(row.get('narratives_s'), 2)} / {_f(row.get('score_s'), 2)} | "
            f"{_f(row.get('narratives_touched'))} / {_f(row.get('narratives_scored'))} / "
            f"{_f(row.get('narratives_kept'))} | {_f(row.get('neighbour_rows_searched'))} / "
            f"{_f(row.get('neighbour_rows_kept'))} | "
            f"{_f(row.get('s_per_1k_new_beyond_nothing'), 2)} | "
            f"{_f(row.get('estimated_embed_s'))} | {_f(row.get('peak_rss_mb'))} |")
    lines += ["", f"Nothing new under 2 s: {_met(r['nothing_new_met'])}.", ""]
    return lines


def _scale(r: dict) -> list[str]:
    lines = ["### Scale (target: 1M items analysed within 8 GB; embedding reported apart)", "",
             "Vectors: " + r["vectors"] + f". Base texts: {_f(r['bases'])}; encode rate "
             f"{_f(r['encode_rate_texts_per_s'])} texts/s (measured while encoding them).", "",
             "| items | populate s / MB | narratives s / MB | signals s / MB | analysis s "
             "| analysis peak MB | within 8 GB | embedding estimate s (distinct contents) |",
             "|---:|---:|---:|---:|---:|---:|---|---:|"]

    def cell(c: dict) -> str:
        if c.get("status") in (None, "not run"):
            return "not run"
        text = f"{_f(c['seconds'])} / {_f(c['peak_rss_mb'], 0)}"
        if c["status"] != "ok":
            text = f"{c['status']} after {_f(c['process_s'])} s"
            if c.get("peak_rss_mb"):
                text += f" ({_f(c['peak_rss_mb'], 0)} MB so far)"
            if "extrapolated_s" in c:
                text += f" (extrapolated {_f(c['extrapolated_s'])} s)"
        return text

    for row in r["rows"]:
        lines.append(
            f"| {_f(row['items'])}{' *' if row.get('earlier_run') else ''} "
            f"| {cell(row['populate'])} | {cell(row['narratives'])} | "
            f"{cell(row['signals'])} | {_f(row['analysis_s'])} | "
            f"{_f(row['analysis_peak_rss_mb'], 0)} | {_met(row['within_8gb'])} | "
            f"{_f(row['embedding_estimate_s'])} ({_f(row['distinct_contents'])}) |")
    if any(row.get("earlier_run") for row in r["rows"]):
        lines += ["", "\\* taken from an earlier run's stage logs (`--earlier-scale`): measured "
                  "at another time, under another load; the slopes and extrapolations mix "
                  "the two runs."]
    slopes = ", ".join(f"{k} {_f(v, 2)}" for k, v in r["slopes"].items())
    lines += ["", f"Growth (slope of log time against log items; 1 = linear): {slopes}.", ""]
    kinds = r["rows"][-1].get("kinds")
    if kinds:
        lines += ["Perturbations of the largest store (recorded per item in its manifest): "
                  + ", ".join(f"{k} {_f(v)}" for k, v in kinds.items()) + ".", ""]
    return lines


def _review(r: dict) -> list[str]:
    lines = [f"### Review desk under load: {r['reviewers']} concurrent reviewers, "
             f"{_f(r['store_items'])}-item store, think time ~{r['think_s']} s "
             "(target: p95 < 150 ms)", "",
             "| request | n | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind, s in r["latency"].items():
        if s.get("n"):
            lines.append(f"| {kind} | {s['n']} | {_f(s['p50_ms'])} | {_f(s['p95_ms'])} | "
                         f"{_f(s['p99_ms'])} | {_f(s['max_ms'])} |")
    lines += ["", f"{r['requests']} requests in {_f(r['wall_s'])} s, {r['errors']} errors "
              f"{r['error_kinds'] or ''}; target (queue, case, decision p95 < 150 ms): "
              f"{_met(r['met'])}. Logins verify an argon2 hash by design and are not in the "
              "target.", ""]
    runs = r.get("runs") or []
    if len(runs) > 1:  # each run a sample: the machine's speed moves within minutes
        lines += [f"Repeated: {len(runs)} runs (the table above is the first), each on a fresh "
                  f"copy with a fresh desk; target met in {r['met_runs']} of {len(runs)}.", "",
                  "| run | queue p95 ms | case p95 ms | decision p95 ms | first round, desk ms "
                  "per request | desk CPU s | load at start | target |",
                  "|---:|---:|---:|---:|---:|---:|---:|---|"]
        lines += [f"| {n} | {_f(x['p95_ms']['queue'])} | {_f(x['p95_ms']['case'])} | "
                  f"{_f(x['p95_ms']['decision'])} | {_f(x['first_round_ms_per_request'])} | "
                  f"{_f(x['desk_cpu_s'])} | {_f(x['load_average'])} | {_met(x['met'])} |"
                  for n, x in enumerate(runs, 1)]
        lines += [""]
    first = r.get("latency_first_round")
    if first:  # older results do not have it
        lines += ["Of which the first round (every reviewer at once, right after the "
                  "logins; case pages opened for the first time): " + ", ".join(
                      f"{k} p50 {_f(s['p50_ms'])} / p95 {_f(s['p95_ms'])} ms"
                      for k, s in first.items() if s.get("n")) + "."]
    later = r.get("latency_later_rounds")
    if later:
        lines += ["", "The rounds after it (reviewers no longer in step): " + ", ".join(
            f"{k} p50 {_f(s['p50_ms'])} / p95 {_f(s['p95_ms'])} / p99 {_f(s['p99_ms'])} ms"
            for k, s in later.items() if s.get("n")) + "."]
    inside = r.get("inside_desk")
    if inside and inside.get("first_round_requests"):  # older results do not have it
        lines += ["", "Inside the desk (arrival at the app to the end of the response), first "
                  "round: " + ", ".join(
                      f"{k} p50 {_f(s['p50_ms'])} / p95 {_f(s['p95_ms'])} ms"
                      for k, s in inside["first_round"].items() if s.get("n"))
                  + "; rounds after it: " + ", ".join(
                      f"{k} p50 {_f(s['p50_ms'])} / p95 {_f(s['p95_ms'])} ms"
                      for k, s in inside["later_rounds"].items() if s.get("n"))
                  + f". The first round's {inside['first_round_requests']} requests took "
                  f"{_f(inside['first_round_span_ms'])} ms from the first arrival to the last "
                  f"response: {_f(inside['first_round_ms_per_request'])} ms of the desk per "
                  "request."]
    if r.get("load_average"):
        before, after = r["load_average"]["before"], r["load_average"]["after"]
        lines += [f"Load average (1/5/15 min) when the navigation starts: {before[0]} / "
                  f"{before[1]} / {before[2]}, at the end: {after[0]} / {after[1]} / {after[2]}."]
    if r.get("desk_cpu_s") is not None:
        lines += [f"CPU used by the desk process while the reviewers navigate "
                  f"({_f(r.get('navigation_s'))} s, after the logins): {r['desk_cpu_s']} s."]
    if r.get("case_summaries"):
        c = r["case_summaries"]
        lines += [f"Case summaries built by the analysis pass's last step: "
                  f"{c['case_summaries_rebuilt']} in {c['case_summaries_s']} s."]
    return lines + [""] if (first or r.get("load_average")) else lines


def _options(r: dict) -> list[str]:
    lines = [f"### Embedding options ({r['texts']} texts of ~{r['mean_chars']} characters)", "",
             "| option | torch threads | batching | s | texts/s |", "|---|---:|---|---:|---:|"]
    for row in r["rows"]:
        lines.append(f"| {row['option']} | {_f(row['torch_threads'])} | {row['batching']} | "
                     f"{_f(row['seconds'], 2)} | {_f(row['texts_per_s'])} |")
    q = r["quality"]
    lines += ["", f"int8 vs float32 (2 threads): {r['int8_speedup']}x. Paraphrase check on "
              f"{q['pairs']} base/copy pairs: top-1 float32 {q['top1_float32']}, int8 "
              f"{q['top1_int8']}; mean cosine of the two models' vectors of one text "
              f"{q['mean_cos_float_vs_int8_same_text']}; largest change of a pair's cosine "
              f"{q['max_abs_diff_pair_cosine']}.", ""]
    if "onnx_speedup" in r:
        lines[-1:-1] = [f"ONNX Runtime vs torch float32 (2 threads): {r['onnx_speedup']}x; top-1 "
                        f"{q['top1_onnx']}; largest difference from the float32 vector of the "
                        f"same text {q['max_abs_diff_onnx_vs_float']:.1e}."]
    return lines


def _desk(r: dict) -> list[str]:
    s = r["serial_ms"]
    return ["### Review desk, one request at a time (profiled)", "",
            "| request | p50 ms | p95 ms |", "|---|---:|---:|",
            *[f"| {k} | {_f(v['p50'])} | {_f(v['p95'])} |" for k, v in s.items()],
            "", f"Profile: `{r['profile']}`.", ""]


def _statements(r: dict) -> list[str]:
    variants = [("duckdb", "DuckDB (as the desk)"), ("duckdb_no_optimizer", "no optimizer"),
                ("sqlite", "review tables in SQLite"), ("grown", f"grown x{r['growth']}"),
                ("grown_no_optimizer", f"grown x{r['growth']}, no optimizer")]
    sizes = ", ".join(f"{k} {_f(v)}" for k, v in r["sizes"].items())
    grown = ", ".join(f"{k} {_f(v)}" for k, v in r["grown_sizes"].items())
    lines = ["### Review desk: a reviewer's round, statement by statement", "",
             f"Median of {r['repeat']} runs each, in process. Rows: {sizes}; grown: {grown}. "
             "In SQLite the narrative's own fields stay in DuckDB.", "",
             "| statement | " + " | ".join(label for _, label in variants) + " |",
             "|---|" + "---:|" * len(variants)]
    for name in r["duckdb"]["statements_ms"]:
        lines.append(f"| {name} | " + " | ".join(
            f"{r[key]['statements_ms'][name]:.3f}" for key, _ in variants) + " |")
    lines.append("| **round, ms** | " + " | ".join(
        f"**{r[key]['round_ms']:.2f}**" for key, _ in variants) + " |")
    return [*lines, ""]


def render(result: dict) -> str:
    lines = ["## Performance (`python -m bench.perf`)", ""]
    lines += _machine(result["machine"], result["mode"], result.get("total_s"))
    measured = result.get("measured") or {}
    for key, fn in (("floor", _floor), ("incremental", _incremental), ("scale", _scale),
                    ("review", _review), ("desk_profile", _desk),
                    ("desk_statements", _statements), ("options", _options)):
        if key in result:
            part = fn(result[key])
            m = measured.get({"desk_profile": "profiles",
                              "desk_statements": "statements"}.get(key, key))
            if m:  # measured by a later run merged into these results (--merge)
                part[1:1] = ["", f"Measured {m['date']} (a later run, `--merge`); load average "
                             f"at start {m['load_avg_1m']}."]
            lines += part
    for part, error in (result.get("errors") or {}).items():
        lines += [f"**{part} failed**: `{error}`", ""]
    return "\n".join(lines)
