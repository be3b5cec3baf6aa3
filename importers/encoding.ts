// DBF text encodings met in Vietnamese data, and detection among them from the bytes. Detection decodes every sample
// value in every candidate encoding and scores the result with a small model of Vietnamese writing: a word with
// diacritics that is a well-formed Vietnamese syllable (onset, vowel nucleus, coda, at most one tone) is evidence
// for the encoding; mojibake (Windows-1252 symbols, C1 controls, U+FFFD, two tones on one syllable) is evidence
// against it. Encodings that decode the samples to the same text are not competitors: the user sees no difference.
import iconv from 'iconv-lite';
import { isUtf8 } from 'node:buffer';
import type { EncodingGuess, TextEncoding } from './source.ts';
import { decodeVni } from './vni.ts';

export type { TextEncoding };

/** Below this the preview must ask the user to confirm or choose the encoding. */
export const ENCODING_CONFIDENCE_THRESHOLD = 0.8;

export const ENCODING_LABELS: Record<TextEncoding, string> = {
  utf8: 'UTF-8',
  windows1258: 'Windows-1258',
  tcvn3: 'TCVN3 (ABC)',
  vni: 'VNI-Windows',
  viscii: 'VISCII',
  latin1: 'Latin-1 (Windows-1252)',
  ascii: 'ASCII',
};

/** Candidates in order of preference when scores tie. */
const CANDIDATES: Exclude<TextEncoding, 'ascii'>[] = ['utf8', 'windows1258', 'tcvn3', 'vni', 'viscii', 'latin1'];

export type TextDecoder = (bytes: Buffer, start: number, end: number) => string;

function isPlainAscii(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    // TCVN3 puts upper-case letters on some control bytes, so those are not "plain" either.
    if (b >= 0x80 || b < 0x20) return false;
  }
  return true;
}

/**
 * A single-byte decoder from a 256-entry table taken from iconv-lite (the table is iconv-lite's, only the loop is
 * ours: iconv.decode allocates and looks its codec up on every call, which the hot path cannot afford).
 */
function singleByteDecoder(iconvName: string, nfc: boolean): TextDecoder {
  const table = iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), iconvName);
  const codes = new Uint16Array(256);
  const combining = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const ch = table[i] as string;
    codes[i] = ch.charCodeAt(0);
    if (/\p{M}/u.test(ch)) combining[i] = 1;
  }
  return (b, s, e) => {
    let plain = true;
    for (let i = s; i < e; i++) {
      const c = b[i] as number;
      if (c >= 0x80 || c < 0x20) {
        plain = false;
        break;
      }
    }
    if (plain) return b.toString('latin1', s, e);
    let out = '';
    let marks = false;
    for (let i = s; i < e; i++) {
      const c = b[i] as number;
      out += String.fromCharCode(codes[c] as number);
      if (combining[c]) marks = true;
    }
    // Windows-1258 and TCVN3 write some toned letters as base letter + combining tone mark: normalise to NFC.
    return nfc && marks ? out.normalize('NFC') : out;
  };
}

/**
 * A decoder for one encoding. 'latin1' decodes as Windows-1252: that is what "ANSI" DBFs from Western Windows hold,
 * and it matches ISO-8859-1 on every printable byte.
 */
export function textDecoder(encoding: TextEncoding): TextDecoder {
  switch (encoding) {
    case 'ascii':
    case 'utf8':
      return (b, s, e) => b.toString('utf8', s, e);
    case 'windows1258':
      return singleByteDecoder('windows1258', true);
    case 'tcvn3':
      return singleByteDecoder('tcvn', true);
    case 'viscii':
      return singleByteDecoder('viscii', false);
    case 'latin1':
      return singleByteDecoder('windows1252', false);
    case 'vni':
      return (b, s, e) => (isPlainAscii(b, s, e) ? b.toString('latin1', s, e) : decodeVni(b, s, e));
  }
}

/** What a .cpg says, when it names an encoding we know (ArcGIS, QGIS and GDAL spellings). */
export function parseCpg(text: string): Exclude<TextEncoding, 'ascii'> | null {
  const t = text.trim().toLowerCase().replace(/^ansi\s*/, '').replace(/[\s_-]/g, '');
  if (/^(utf8|65001)$/.test(t)) return 'utf8';
  if (/^(windows|cp|ms)?1258$/.test(t)) return 'windows1258';
  if (/^(tcvn|tcvn3|tcvn5712|tcvn57121993|abc)$/.test(t)) return 'tcvn3';
  if (/^(vni|vniwin|vniwindows)$/.test(t)) return 'vni';
  if (/^(viscii|cp1129)$/.test(t)) return 'viscii';
  if (/^(windows|cp|ms)?1252$|^(iso)?8859(1)?$|^88591$|^latin1$/.test(t)) return 'latin1';
  return null;
}

// --- Vietnamese plausibility -------------------------------------------------------------------------------

const ONSET = '(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?';
const NUCLEI = [
  'uyê', 'uya', 'uyu', 'iêu', 'yêu', 'oai', 'oay', 'oeo', 'uây', 'uôi', 'ươi', 'ươu',
  'ai', 'ao', 'au', 'ay', 'âu', 'ây', 'eo', 'êu', 'ia', 'iê', 'iu', 'oa', 'oă', 'oe', 'oi', 'ôi', 'ơi', 'oo',
  'ua', 'uâ', 'uê', 'ui', 'uô', 'uơ', 'ươ', 'ưa', 'ưi', 'ưu', 'uy', 'ya', 'yê',
  'a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y',
];
const CODA = '(?:ch|nh|ng|[cmnpt])?';
const SYLLABLE = new RegExp(`^${ONSET}(?:${NUCLEI.join('|')})${CODA}$`);
const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g;

/** A well-formed Vietnamese syllable (any case), e.g. "Bằng", "nguyễn", "QUẢNG"; "Baèng" or "Mé" + "xico" are not. */
export function isVietnameseSyllable(word: string): boolean {
  const nfd = word.toLowerCase().normalize('NFD');
  const tones = nfd.match(TONE_MARKS)?.length ?? 0;
  if (tones > 1) return false;
  const toneless = nfd.replace(TONE_MARKS, '').normalize('NFC');
  return SYLLABLE.test(toneless);
}

type TokenClass = 'vietnamese' | 'foreign' | 'junk';

// Inside a word, anything that is not a letter, a digit or a mark after a letter is mojibake: Windows-1252
// symbols (¸ » µ Â¸…), C1 controls, U+FFFD, private use. ASCII punctuation separates words instead.
const JUNK = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd\p{Co}]|(?![\x00-\x7f])[\p{S}\p{P}]|(?<![\p{L}\p{M}])\p{M}/u;
const SEPARATORS = /[\s!-/:-@[-`{-~]+/;
// Letters only Vietnamese writes, and Latin letters Vietnamese never writes. Both in one word is what a legacy
// encoding read in the wrong table looks like ("Nöôùc", "BaÒo").
const VIETNAMESE_ONLY = /[ăđơưĂĐƠƯ\u1ea0-\u1ef9]/;
const VIETNAMESE_LETTER = /^[a-zA-Zàáâãèéêìíòóôõùúýăđĩũơưạ-ỹÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠ-Ỹ]$/u;
// Words are all lower case, Capitalised or ALL UPPER; "BỪng" or "HaÌ" is mojibake.
const MIXED_CASE = /\p{Ll}\p{Lu}|\p{Lu}\p{Lu}+\p{Ll}/u;

function classify(token: string): TokenClass {
  if (JUNK.test(token) || MIXED_CASE.test(token)) return 'junk';
  if (isVietnameseSyllable(token)) return 'vietnamese';
  if (VIETNAMESE_ONLY.test(token) && [...token].some((c) => /\p{L}/u.test(c) && !VIETNAMESE_LETTER.test(c))) return 'junk';
  return 'foreign';
}

/** How one decoded value reads: 2 all its words with non-ASCII letters are Vietnamese, 1 clean, 0 garbled. */
type ValueQuality = 0 | 1 | 2;

interface CandidateResult {
  encoding: Exclude<TextEncoding, 'ascii'>;
  /** Mean word score, -1 (all garbled) .. 1 (all Vietnamese). */
  score: number;
  vietnamese: number;
  foreign: number;
  junk: number;
  quality: ValueQuality[];
  validValues: number;
  junkValues: number;
  signature: string;
}

const WEIGHT = { vietnamese: 1, foreign: 0.3, junk: -1 } as const;

function evaluate(encoding: Exclude<TextEncoding, 'ascii'>, samples: Buffer[]): CandidateResult {
  const decode = textDecoder(encoding);
  const r: CandidateResult = {
    encoding, score: 0, vietnamese: 0, foreign: 0, junk: 0, quality: [], validValues: 0, junkValues: 0, signature: '',
  };
  const texts: string[] = [];
  for (const sample of samples) {
    const text = decode(sample, 0, sample.length).normalize('NFC');
    texts.push(text);
    const count = { vietnamese: 0, foreign: 0, junk: 0 };
    for (const token of text.split(SEPARATORS)) {
      if (!/[^\x20-\x7e]/.test(token)) continue;
      count[classify(token)]++;
    }
    r.vietnamese += count.vietnamese;
    r.foreign += count.foreign;
    r.junk += count.junk;
    const q: ValueQuality = count.junk > 0 ? 0 : count.vietnamese > 0 && count.foreign === 0 ? 2 : 1;
    r.quality.push(q);
    if (q === 2) r.validValues++;
    if (q === 0) r.junkValues++;
  }
  const n = r.vietnamese + r.foreign + r.junk;
  r.score = n === 0 ? 0 : (r.vietnamese * WEIGHT.vietnamese + r.foreign * WEIGHT.foreign + r.junk * WEIGHT.junk) / n;
  r.signature = texts.join('\u0000');
  return r;
}

/**
 * How sure `best` is against every reading that gives different text: each value that reads better in `best` than
 * in a rival halves the odds that the rival is right, each one that reads worse doubles them. Scaled by how well
 * `best` itself reads (Western text that is clean but not Vietnamese stays below the threshold).
 */
function confidenceOf(best: CandidateResult, all: CandidateResult[]): number {
  const total = best.quality.length;
  const own = (best.validValues + 0.5 * (total - best.validValues - best.junkValues)) / total;
  let worst = 1;
  for (const rival of all) {
    if (rival.signature === best.signature) continue;
    let lead = 0;
    best.quality.forEach((q, i) => {
      lead += Math.sign(q - (rival.quality[i] as number));
    });
    worst = Math.min(worst, lead <= 0 ? 0 : 1 - 0.5 ** lead);
  }
  return own * worst;
}

/** UTF-8 text that was decoded as Windows-1252 and encoded again: its characters are the bytes of valid UTF-8. */
export function isDoubleEncoded(text: string): boolean {
  if (!/[\u0080-\uffff]/.test(text)) return false;
  const bytes = iconv.encode(text, 'windows1252');
  if (iconv.decode(bytes, 'windows1252') !== text) return false;
  return isUtf8(bytes) && bytes.some((b) => b >= 0x80);
}

export interface GuessOptions {
  /** The .cpg text, if the dataset has one. */
  cpg?: string;
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Picks the encoding of a set of text values from their bytes. `samples` are raw values (distinct ones are
 * enough; values that are plain ASCII carry no evidence and may be left out).
 */
export function guessEncoding(samples: Buffer[], opts: GuessOptions = {}): EncodingGuess {
  const cpgText = opts.cpg?.trim();
  const cpg = cpgText ? parseCpg(cpgText) : null;
  const cpgNote = cpgText === undefined || cpgText === '' ? 'No .cpg'
    : cpg ? `.cpg says ${cpgText}` : `.cpg says "${cpgText.slice(0, 40)}", which names no encoding we know`;
  const withCpg = <T extends object>(g: T) => (cpgText ? { ...g, cpg: cpgText } : g);

  const evidenceSamples = samples.filter((s) => !isPlainAscii(s, 0, s.length));
  if (evidenceSamples.length === 0) {
    return withCpg({
      encoding: 'ascii' as const,
      confidence: 1,
      evidence: `${cpgNote}; all text is plain ASCII, so every encoding reads it the same.`,
      alternatives: [],
    });
  }

  const results = CANDIDATES.map((e) => evaluate(e, evidenceSamples));
  const topVietnamese = Math.max(...results.map((r) => r.vietnamese));
  // With no Vietnamese word anywhere, a Western reading is the honest one among those that tie.
  const order = topVietnamese === 0 ? ['utf8', 'latin1', 'windows1258', 'tcvn3', 'vni', 'viscii'] : CANDIDATES;
  const ranked = [...results].sort((a, b) => b.score - a.score || order.indexOf(a.encoding) - order.indexOf(b.encoding));
  const utf8 = results.find((r) => r.encoding === 'utf8') as CandidateResult;
  const utf8Valid = evidenceSamples.every((s) => isUtf8(s));
  const doubleEncoded = utf8Valid ? evidenceSamples.filter((s) => isDoubleEncoded(s.toString('utf8'))).length : 0;
  // Symbols are fine in UTF-8 (☃, °, ²); what is not is UTF-8 read as Windows-1252 and saved again as UTF-8.
  const utf8Clean = utf8Valid && doubleEncoded === 0;

  // Legacy Vietnamese bytes are almost never valid UTF-8 by accident (that needs a lead byte followed by the exact
  // number of 0x80–0xBF bytes), so valid multi-byte UTF-8 that does not read as mojibake wins.
  let best = utf8Clean ? utf8 : (ranked[0] as CandidateResult);
  const confidence0 = (c: CandidateResult): number => {
    if (c.encoding === 'utf8' && utf8Clean) return c.vietnamese > 0 ? 0.98 : 0.9;
    if (c.encoding === 'utf8' && utf8Valid) return 0.3;
    return confidenceOf(c, results);
  };

  const total = evidenceSamples.length;
  const describe = (c: CandidateResult) =>
    c.vietnamese > 0
      ? `${c.validValues} of ${total} text values with non-ASCII characters decode to valid Vietnamese in ${ENCODING_LABELS[c.encoding]}`
      : `no text value reads as Vietnamese in any encoding; ${total - c.junkValues} of ${total} decode cleanly in ${ENCODING_LABELS[c.encoding]}`;

  let confidence = confidence0(best);
  let evidence: string;
  if (cpg) {
    const declared = results.find((r) => r.encoding === cpg) as CandidateResult;
    const declaredClean = cpg === 'utf8' ? utf8Clean : declared.junkValues === 0;
    if (declaredClean && declared.score >= best.score - 0.2) {
      best = declared;
      confidence = Math.max(confidence0(declared), 0.9);
      evidence = `${cpgNote}; ${describe(declared)}.`;
    } else {
      const why = cpg === 'utf8' && !utf8Valid
        ? `${evidenceSamples.filter((s) => !isUtf8(s)).length} of ${total} text values are not valid UTF-8`
        : `${cpg === 'utf8' ? doubleEncoded : declared.junkValues} of ${total} text values come out garbled that way`;
      confidence *= 0.9;
      evidence = `${cpgNote}, but ${why}; detected instead: ${describe(best)}.`;
    }
  } else {
    const rival = ranked.find((r) => r.signature !== best.signature);
    evidence = `${cpgNote}; ${describe(best)}`
      + (rival ? ` (next best: ${ENCODING_LABELS[rival.encoding]}, ${rival.validValues} of ${total})` : '') + '.';
  }
  if (best.encoding === 'utf8' && doubleEncoded > 0) {
    evidence += ` ${doubleEncoded} of ${total} values look like UTF-8 text that was once read as Windows-1252 and saved again ("Báº±ng" for "Bằng"): the file itself holds mojibake.`;
  }
  if (confidence < ENCODING_CONFIDENCE_THRESHOLD) evidence += ' Not sure: please check the names in the preview.';
  return withCpg({
    encoding: best.encoding,
    confidence: round(confidence),
    evidence,
    alternatives: ranked.map((r) => ({ encoding: r.encoding, score: round(r.score) })),
  });
}
