// Sealing and verifying evidence. A sealed folder has a manifest (JSON) listing every other
// file with its size and SHA-256; verification re-hashes the tree and names each file that is
// missing, changed or unlisted. An export seals the frozen evidence, the timeline, the record
// and the chain-of-custody log together, and also carries the hash the record keeps of the
// frozen manifest, so a changed manifest is caught as well as a changed file.

import { createHash } from 'node:crypto';
import type { EvidenceFile } from './model.ts';
import type { EvidenceFiles } from './ports.ts';

export const FROZEN_MANIFEST = 'manifest.json';
export const EXPORT_MANIFEST = 'MANIFEST.json';

interface ManifestDoc {
  format: 'ripcord-evidence/1';
  incident: string;
  created: string;
  files: EvidenceFile[];
  /** In an export: the SHA-256 of evidence/manifest.json that the incident record holds. */
  frozenManifestSha256?: string;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Writes the manifest of every file under dir; returns the files and the manifest's own hash. */
export async function seal(
  io: EvidenceFiles,
  dir: string,
  manifest: string,
  o: { incident: string; created: number; frozenManifestSha256?: string },
): Promise<{ files: EvidenceFile[]; manifestSha256: string }> {
  const files = (await io.hashTree(dir)).filter((f) => f.name !== manifest);
  const doc: ManifestDoc = {
    format: 'ripcord-evidence/1',
    incident: o.incident,
    created: new Date(o.created).toISOString(),
    files,
    ...(o.frozenManifestSha256 !== undefined ? { frozenManifestSha256: o.frozenManifestSha256 } : {}),
  };
  const text = `${JSON.stringify(doc, null, 1)}\n`;
  await io.write(`${dir}/${manifest}`, text);
  return { files, manifestSha256: sha256(text) };
}

export interface Verification {
  ok: boolean;
  incident: string | null;
  checked: number;
  problems: string[];
}

function parseManifest(text: Buffer, where: string): ManifestDoc | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text.toString('utf8'));
  } catch {
    return `${where} is not JSON`;
  }
  if (typeof doc !== 'object' || doc === null || (doc as { format?: unknown }).format !== 'ripcord-evidence/1')
    return `${where} is not a Ripcord evidence manifest`;
  const files = (doc as { files?: unknown }).files;
  if (
    !Array.isArray(files) ||
    !files.every(
      (f: unknown) =>
        typeof f === 'object' &&
        f !== null &&
        typeof (f as EvidenceFile).name === 'string' &&
        typeof (f as EvidenceFile).sha256 === 'string' &&
        typeof (f as EvidenceFile).bytes === 'number',
    )
  )
    return `${where}: its file list is malformed`;
  return doc as ManifestDoc;
}

/** Re-hashes dir against its manifest. `expectedManifest` is the hash the record keeps, when known. */
export async function verifySealed(
  io: EvidenceFiles,
  dir: string,
  manifest: string,
  expectedManifest?: string,
): Promise<Verification & { doc: ManifestDoc | null }> {
  const problems: string[] = [];
  const path = `${dir}/${manifest}`;
  if (!(await io.exists(path)))
    return { ok: false, incident: null, checked: 0, problems: [`${manifest} is missing`], doc: null };
  const text = await io.read(path);
  if (expectedManifest !== undefined && sha256(text) !== expectedManifest)
    problems.push(`${manifest} differs from the one sealed when the evidence was frozen`);
  const doc = parseManifest(text, manifest);
  if (typeof doc === 'string')
    return { ok: false, incident: null, checked: 0, problems: [...problems, doc], doc: null };
  const actual = new Map((await io.hashTree(dir)).filter((f) => f.name !== manifest).map((f) => [f.name, f]));
  for (const f of doc.files) {
    const a = actual.get(f.name);
    if (a === undefined) problems.push(`${f.name}: missing`);
    else if (a.sha256 !== f.sha256 || a.bytes !== f.bytes) problems.push(`${f.name}: changed (SHA-256 differs)`);
    actual.delete(f.name);
  }
  for (const name of actual.keys()) problems.push(`${name}: not in the manifest`);
  return { ok: problems.length === 0, incident: doc.incident, checked: doc.files.length, problems, doc };
}

/** Verifies an export folder: its MANIFEST.json, then the frozen evidence inside against the sealed hash. */
export async function verifyExport(io: EvidenceFiles, dir: string, recordManifest?: string): Promise<Verification> {
  const outer = await verifySealed(io, dir, EXPORT_MANIFEST);
  const problems = [...outer.problems];
  const sealed = outer.doc?.frozenManifestSha256;
  if (recordManifest !== undefined && sealed !== undefined && sealed !== recordManifest)
    problems.push("the export's frozen manifest is not the one this incident record sealed");
  let checked = outer.checked;
  if (await io.exists(`${dir}/evidence/${FROZEN_MANIFEST}`)) {
    const inner = await verifySealed(io, `${dir}/evidence`, FROZEN_MANIFEST, recordManifest ?? sealed);
    problems.push(...inner.problems.map((p) => `evidence/${p}`));
    checked += inner.checked;
  } else problems.push('evidence/manifest.json is missing');
  const unique = [...new Set(problems)];
  return { ok: unique.length === 0, incident: outer.incident, checked, problems: unique };
}
