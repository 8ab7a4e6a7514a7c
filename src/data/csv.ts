/**
 * A small strict CSV tokenizer (RFC 4180 plus the usual real-world leniencies) that keeps the
 * physical line number of every record, so validation errors can name it.
 *
 * - A UTF-8 byte-order mark at the start is dropped.
 * - Records end at LF or CRLF; the final newline is optional.
 * - Fields are separated by commas. A field may be quoted with `"`; inside quotes `""` is a
 *   literal quote and commas and newlines are literal. Text after a closing quote other than a
 *   comma or the end of the record is an error; a quote inside an unquoted field is literal.
 * - Unquoted fields are trimmed of surrounding spaces and tabs; quoted fields are kept as is.
 * - Blank lines (nothing but spaces or tabs) are skipped.
 */
import { UserError } from '../errors.js';
import { quote } from './text.js';

/** One CSV record: its fields and the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Split CSV text into records. `file` only names the file in error messages. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const state = { pos: 0, line: 1 };
  while (state.pos < src.length) {
    const line = state.line;
    const fields = readRecord(src, state, file);
    // A record of one empty field is a blank line (a lone `""` counts as blank too).
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line, fields });
  }
  return records;
}

/** Read one record starting at `state.pos`, leaving `state` just past its line break. */
function readRecord(src: string, state: { pos: number; line: number }, file: string): string[] {
  const fields: string[] = [];
  for (;;) {
    const field = src.charCodeAt(state.pos) === QUOTE ? readQuoted(src, state, file) : readUnquoted(src, state);
    fields.push(field);
    const c = src.charCodeAt(state.pos);
    if (c === COMMA) {
      state.pos++;
      continue;
    }
    // End of record: LF, CRLF, a lone CR, or end of input (charCodeAt returns NaN).
    if (c === CR) state.pos++;
    if (src.charCodeAt(state.pos) === LF) state.pos++;
    if (c === CR || c === LF) state.line++;
    return fields;
  }
}

/** An unquoted field: up to the next comma or line break, trimmed. */
function readUnquoted(src: string, state: { pos: number }): string {
  const start = state.pos;
  let p = start;
  for (; p < src.length; p++) {
    const c = src.charCodeAt(p);
    if (c === COMMA || c === LF || c === CR) break;
  }
  state.pos = p;
  return src.slice(start, p).trim();
}

/** A quoted field starting at the opening quote; `""` inside is one quote. */
function readQuoted(src: string, state: { pos: number; line: number }, file: string): string {
  const openLine = state.line;
  let p = state.pos + 1;
  let out = '';
  let chunk = p;
  for (;;) {
    if (p >= src.length) {
      throw new UserError(
        `${file} line ${openLine}: a quoted field opened on this line is never closed; ` + `add the closing double quote (") or remove the opening one`,
      );
    }
    const c = src.charCodeAt(p);
    if (c === LF) state.line++;
    else if (c === CR && src.charCodeAt(p + 1) !== LF) state.line++;
    if (c !== QUOTE) {
      p++;
      continue;
    }
    out += src.slice(chunk, p);
    if (src.charCodeAt(p + 1) === QUOTE) {
      out += '"';
      p += 2;
      chunk = p;
      continue;
    }
    p++; // past the closing quote
    break;
  }
  p = skipBlanks(src, p);
  const next = src.charCodeAt(p);
  if (p < src.length && next !== COMMA && next !== LF && next !== CR) {
    throw new UserError(
      `${file} line ${state.line}: unexpected text after the closing quote of ${quote(out)}; ` + `put the whole field inside the quotes or remove them`,
    );
  }
  state.pos = p;
  return out;
}

function skipBlanks(src: string, p: number): number {
  while (p < src.length && (src.charCodeAt(p) === 32 || src.charCodeAt(p) === 9)) p++;
  return p;
}
