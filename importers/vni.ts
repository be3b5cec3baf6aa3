// VNI-Windows, the encoding of the VNI fonts (VNI-Times…), which iconv-lite does not have. A Vietnamese letter is an
// ASCII base letter followed by one byte that carries its diacritics and tone (a + 0xF9 "ù" = á, a + 0xE1 "á" = ấ,
// a + 0xE9 "é" = ắ); ơ, ư, đ, the toned i's and ỵ are single bytes. Bytes are named here by the Windows-1252 glyph
// the VNI fonts draw over, as VNI's own code chart does. Lower- and upper-case bases take the matching case of
// the mark byte; the decoder accepts either (files typed with caps lock mix them).
import iconv from 'iconv-lite';

/** Tone order used by every table here: none, sắc (acute), huyền (grave), hỏi (hook), ngã (tilde), nặng (dot). */
const TONE_MARKS = ['', '\u0301', '\u0300', '\u0309', '\u0303', '\u0323'] as const;

// Lower-case mark bytes, by tone (index 0 = no tone; the plain tone row has no byte for "none").
const TONE = [0, 0xf9, 0xf8, 0xfb, 0xf5, 0xef]; // ù ø û õ ï
const CIRCUMFLEX = [0xe2, 0xe1, 0xe0, 0xe5, 0xe3, 0xe4]; // â á à å ã ä  (â ê ô)
const BREVE = [0xea, 0xe9, 0xe8, 0xfa, 0xfc, 0xeb]; // ê é è ú ü ë  (ă)
const I_TONED = [0x69, 0xed, 0xec, 0xe6, 0xf3, 0xf2]; // i í ì æ ó ò  (i with a tone is one byte)
const O_HORN = 0xf4; // ô = ơ
const U_HORN = 0xf6; // ö = ư
const D_STROKE = 0xf1; // ñ = đ
const Y_DOT = 0xee; // î = ỵ (the only toned y that is one byte)
const UPPER = 0x20; // the upper-case glyph of every byte above is 0x20 lower (Ù = 0xD9, Â = 0xC2…)

type Modifier = 'circumflex' | 'breve' | 'horn' | '';

const MODIFIER_MARK: Record<Modifier, string> = { circumflex: '\u0302', breve: '\u0306', horn: '\u031b', '': '' };

function compose(base: string, modifier: Modifier, tone: number): string {
  return (base + MODIFIER_MARK[modifier] + TONE_MARKS[tone]).normalize('NFC');
}

// Decoding: what a mark byte (either case) does after each base.
interface MarkEffect {
  modifier: Modifier;
  tone: number;
}
const markEffects = new Map<number, MarkEffect>();
for (let t = 1; t < 6; t++) markEffects.set(TONE[t] as number, { modifier: '', tone: t });
for (let t = 0; t < 6; t++) markEffects.set(CIRCUMFLEX[t] as number, { modifier: 'circumflex', tone: t });
for (let t = 0; t < 6; t++) markEffects.set(BREVE[t] as number, { modifier: 'breve', tone: t });

/** Which modifiers each base vowel accepts (a: â ă; e: ê; o: ô; ơ/ư arrive with their horn already). */
const ACCEPTS: Record<string, Modifier[]> = {
  a: ['', 'circumflex', 'breve'],
  e: ['', 'circumflex'],
  o: ['', 'circumflex'],
  u: [''],
  y: [''],
  i: [''],
};

const cp1252 = iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 'windows1252');

// Single bytes that are letters on their own.
const singles = new Map<number, string>();
for (const upper of [false, true]) {
  const off = upper ? UPPER : 0;
  const cased = (s: string) => (upper ? s.toUpperCase() : s);
  for (let t = 1; t < 6; t++) singles.set((I_TONED[t] as number) - off, cased(compose('i', '', t)));
  singles.set(O_HORN - off, cased('ơ'));
  singles.set(U_HORN - off, cased('ư'));
  singles.set(D_STROKE - off, cased('đ'));
  singles.set(Y_DOT - off, cased('ỵ'));
}

const lowerMark = (b: number) => (b >= 0xc0 && b < 0xe0 ? b + UPPER : b);

/** Bytes in VNI-Windows → NFC text. A mark byte with nothing to attach to keeps its Windows-1252 glyph. */
export function decodeVni(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let i = start;
  while (i < end) {
    const b = bytes[i] as number;
    const next = i + 1 < end ? lowerMark(bytes[i + 1] as number) : -1;
    let base: string | null = null;
    let modifier: Modifier = '';
    if (b < 0x80) {
      const c = String.fromCharCode(b);
      const lower = c.toLowerCase();
      if (ACCEPTS[lower]) {
        const effect = markEffects.get(next);
        if (effect && (ACCEPTS[lower] as Modifier[]).includes(effect.modifier)) {
          const letter = compose(lower, effect.modifier, effect.tone);
          out += c === lower ? letter : letter.toUpperCase();
          i += 2;
          continue;
        }
      }
      out += c;
      i++;
      continue;
    }
    const lb = lowerMark(b);
    if (lb === O_HORN || lb === U_HORN) {
      base = lb === O_HORN ? 'o' : 'u';
      modifier = 'horn';
      const effect = markEffects.get(next);
      const upper = b !== lb;
      if (effect && effect.modifier === '') {
        const letter = compose(base, modifier, effect.tone);
        out += upper ? letter.toUpperCase() : letter;
        i += 2;
        continue;
      }
    }
    out += singles.get(b) ?? cp1252[b];
    i++;
  }
  return out;
}

export class VniEncodeError extends Error {}

/** NFC text → VNI-Windows bytes. Throws on a character VNI cannot write. */
export function encodeVni(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) {
      out.push(code);
      continue;
    }
    const lower = ch.toLowerCase();
    const upper = ch !== lower;
    const off = upper ? UPPER : 0;
    if (lower === 'đ') {
      out.push(D_STROKE - off);
      continue;
    }
    const parts = lower.normalize('NFD');
    const base = parts[0] as string;
    const marks = parts.slice(1);
    const tone = TONE_MARKS.findIndex((m, i) => i > 0 && marks.includes(m));
    const t = tone < 0 ? 0 : tone;
    const modifier: Modifier = marks.includes('\u0302') ? 'circumflex' : marks.includes('\u0306') ? 'breve'
      : marks.includes('\u031b') ? 'horn' : '';
    const known = marks.replace(/[\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b]/g, '');
    const baseByte = upper ? base.toUpperCase().charCodeAt(0) : base.charCodeAt(0);
    if (known !== '' || !ACCEPTS[base]) throw new VniEncodeError(`VNI-Windows has no code for '${ch}'`);
    if (modifier === 'horn') {
      if (base !== 'o' && base !== 'u') throw new VniEncodeError(`VNI-Windows has no code for '${ch}'`);
      out.push((base === 'o' ? O_HORN : U_HORN) - off);
      if (t > 0) out.push((TONE[t] as number) - off);
    } else if (base === 'i') {
      if (modifier !== '') throw new VniEncodeError(`VNI-Windows has no code for '${ch}'`);
      out.push((I_TONED[t] as number) - (t > 0 ? off : 0));
    } else if (base === 'y' && t === 5) {
      out.push(Y_DOT - off);
    } else if (modifier === '') {
      if (t === 0) throw new VniEncodeError(`VNI-Windows has no code for '${ch}'`);
      out.push(baseByte, (TONE[t] as number) - off);
    } else {
      if (!(ACCEPTS[base] as Modifier[]).includes(modifier)) throw new VniEncodeError(`VNI-Windows has no code for '${ch}'`);
      out.push(baseByte, ((modifier === 'circumflex' ? CIRCUMFLEX : BREVE)[t] as number) - off);
    }
  }
  return Buffer.from(out);
}
