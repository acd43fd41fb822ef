// hlog_read.js LOG: reads an HdrHistogram interval log with hdr-histogram-js
// (an implementation crest did not write) and prints, per tag ("" for the
// untagged lines), the merged histogram's count and percentiles in
// microseconds, as JSON. Used by test_observe.sh.
const fs = require("fs");
const hdr = require("hdr-histogram-js");
const reader = new hdr.HistogramLogReader(fs.readFileSync(process.argv[2], "utf8"));
const merged = {};
let lines = 0;
for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
  const tag = !h.tag || h.tag === "NO TAG" ? "" : h.tag;   // the library's name for none
  if (!merged[tag])
    merged[tag] = hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1,
                              highestTrackableValue: 3600000000, numberOfSignificantValueDigits: 3 });
  merged[tag].add(h);
  lines++;
}
const out = { lines, tags: {} };
for (const [tag, h] of Object.entries(merged))
  out.tags[tag] = { count: h.totalCount, p50: h.getValueAtPercentile(50),
                    p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99),
                    max: h.maxValue };
console.log(JSON.stringify(out));
