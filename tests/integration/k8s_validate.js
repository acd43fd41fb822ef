// k8s_validate.js MANIFEST.json: validates a crest fleet manifest (a v1
// List) with kubernetes-models, whose validators are generated from the
// upstream Kubernetes OpenAPI schemas. Three layers, each able to fail:
//   1. schema: every item through its kind's validator (types, enums,
//      required fields), as kubectl's client-side validation does;
//   2. strict fields: a field the schema does not know (a misspelling)
//      is an error, as with `kubectl apply --validate=strict`. The
//      generated validators read exactly the properties their schema
//      declares, so a Proxy records which fields were read: any field
//      left unread is unknown to the schema;
//   3. crest's fleet contract: an Indexed Job, completions = parallelism,
//      restartPolicy Never, resource requests, pod anti-affinity, the
//      ConfigMap the Job mounts present in the List.
// Prints "valid" and exits 0, or prints each problem and exits 1.
// NODE_PATH must reach the installed kubernetes-models.
'use strict';
const fs = require('fs');
const path = require('path');

const pkgDir = path.dirname(require.resolve('kubernetes-models/package.json'));
const schemaOf = {
  'v1/ConfigMap': 'IoK8sApiCoreV1ConfigMap',
  'batch/v1/Job': 'IoK8sApiBatchV1Job',
};

function tracked(value, where, seen) {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) {
        seen.add(where + '/' + key);
        return tracked(target[key], where + '/' + key, seen);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

function allFields(value, where, out) {
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    out.push(where + '/' + key);
    allFields(value[key], where + '/' + key, out);
  }
}

function schemaProblems(item, name) {
  const id = `${item.apiVersion}/${item.kind}`;
  const schema = schemaOf[id];
  if (!schema) return [`${name}: no schema for ${id}`];
  const { validate } = require(path.join(pkgDir, '_schemas', schema + '.js'));
  const seen = new Set();
  const problems = [];
  if (!validate(tracked(item, '', seen)))
    for (const e of validate.errors) problems.push(`${name}${e.instancePath}: ${e.message || e.keyword}`);
  const fields = [];
  allFields(item, '', fields);
  for (const f of fields)
    if (!seen.has(f) && !fields.some(g => g !== f && f.startsWith(g + '/') && !seen.has(g)))
      problems.push(`${name}${f}: unknown field (not in the ${id} schema)`);
  return problems;
}

function fleetProblems(list) {
  const p = [];
  const jobs = list.items.filter(i => i.kind === 'Job');
  if (jobs.length !== 1) return [`expected one Job, found ${jobs.length}`];
  const job = jobs[0], spec = job.spec || {};
  if (spec.completionMode !== 'Indexed') p.push('Job: spec.completionMode must be Indexed');
  if (!(spec.completions >= 1) || spec.completions !== spec.parallelism)
    p.push('Job: spec.completions must equal spec.parallelism');
  const pod = (spec.template || {}).spec || {};
  if (pod.restartPolicy !== 'Never') p.push('Job: restartPolicy must be Never');
  const c = (pod.containers || [])[0] || {};
  const req = (c.resources || {}).requests || {};
  if (!req.cpu || !req.memory) p.push('Job: the container needs cpu and memory requests');
  const anti = ((pod.affinity || {}).podAntiAffinity || {});
  if (!anti.preferredDuringSchedulingIgnoredDuringExecution && !anti.requiredDuringSchedulingIgnoredDuringExecution)
    p.push('Job: pods need anti-affinity');
  const cmd = c.command || [];
  if (cmd.slice(0, 3).join(' ') !== 'crest fleet shard' || !cmd.includes('--nofile'))
    p.push('Job: the container must run crest fleet shard --nofile N');
  for (const v of pod.volumes || [])
    if (v.configMap && !list.items.some(i => i.kind === 'ConfigMap' && i.metadata.name === v.configMap.name))
      p.push(`Job: mounts ConfigMap ${v.configMap.name}, which is not in the List`);
  return p;
}

const list = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let problems = [];
if (list.apiVersion !== 'v1' || list.kind !== 'List' || !Array.isArray(list.items))
  problems.push('expected a v1 List with items');
else {
  list.items.forEach((item, i) => { problems = problems.concat(schemaProblems(item, `items[${i}]`)); });
  problems = problems.concat(fleetProblems(list));
}
if (problems.length) {
  for (const p of problems) console.log(p);
  process.exit(1);
}
console.log('valid');
