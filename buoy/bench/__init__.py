"""`buoy bench`: the benchmarks, one module each, on one harness.

* :mod:`buoy.bench.commands`: the `buoy bench` options and the table of benchmarks;
* :mod:`buoy.bench.harness`: what they share (timing, percentiles, a throw-away BUOY_HOME,
  `buoy serve` on a free port, machine facts);
* :mod:`buoy.bench.web`: the caseload pages; :mod:`buoy.bench.scoring`: batch scoring;
  :mod:`buoy.bench.links`: self-report links under load; :mod:`buoy.bench.qda`: interview
  coding against Taguette; :mod:`buoy.bench.search`: search over Chinese transcripts;
* :mod:`buoy.bench.synthetic` (made-up interviews and codes), :mod:`buoy.bench.qda_tools`
  (Buoy and Taguette behind one interface) and :mod:`buoy.bench.taguette` (Taguette run on
  loopback and driven through its HTTP API) serve the qda and search benchmarks;
* child scripts, each run in a subprocess: :mod:`buoy.bench.scoring_floor`,
  :mod:`buoy.bench.links_setup` and :mod:`buoy.bench.search_child` with ``python -m``, and
  :mod:`buoy.bench.taguette_launcher` by Taguette's own Python.

No module here imports Django at the top: the CLI runs the benchmarks before Django is set up,
and each works in a throw-away BUOY_HOME of its own, never the user's data.
"""
