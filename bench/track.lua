-- wrk script for the tracking benchmark: every request carries the access code header.
-- wrk -s bench/track.lua  (BENCH_ACCESS_CODE in the environment)
wrk.headers["X-Access-Code"] = os.getenv("BENCH_ACCESS_CODE") or ""
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p99_us\": %d, \"errors_status\": %d, \"errors_other\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
