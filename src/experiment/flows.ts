/** An experiment's `flows` field to the kernel's FlowsSpec (policy/flows.ts): text forms parsed, the CSV read. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { parseDatedFlows, parseFlow, type FlowsSpec } from '../policy/flows.js';
import { resolveDataFile } from './load.js';
import type { FlowsInput } from '../spec/schema.js';

export async function resolveFlows(input: FlowsInput | undefined, expFile: string, where: string): Promise<FlowsSpec | null> {
  if (!input) return null;
  const periodic = input.periodic.map((p, k) => {
    if (typeof p !== 'string') return p;
    try {
      return parseFlow(p);
    } catch (e) {
      throw new UserError(`${where}: flows.periodic[${k}]: ${e instanceof Error ? e.message.replace(/^--flow /, '') : String(e)}`);
    }
  });
  const dated = [...input.dated];
  if (input.file) {
    const file = resolveDataFile(expFile, input.file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UserError(`${where}: flows.file: cannot read ${input.file} (looked for ${file}); give a CSV of date,amount rows`);
    }
    dated.push(...parseDatedFlows(text, input.file));
  }
  return periodic.length + dated.length > 0 ? { periodic, dated } : null;
}
