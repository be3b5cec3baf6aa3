// Vietnamese text → bytes in each legacy encoding, for building test and benchmark DBFs. Throws rather than write a
// '?' for a letter the encoding lacks, so a test cannot pass on silently damaged input.
import iconv from 'iconv-lite';
import type { TextEncoding } from '../source.ts';
import { encodeVni } from '../vni.ts';

const TONES = /[\u0300\u0301\u0303\u0309\u0323]/;

/**
 * Windows-1258 as Windows writes it: base letters with their vowel marks precomposed (â ê ô ă ơ ư) and the tone as
 * a separate combining mark, since 1258 has only a few precomposed toned letters.
 */
export function encodeWindows1258(text: string): Buffer {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const parts = ch.normalize('NFD');
    const tone = [...parts].filter((c) => TONES.test(c)).join('');
    const rest = [...parts].filter((c) => !TONES.test(c)).join('').normalize('NFC');
    out += rest + tone;
  }
  const bytes = iconv.encode(out, 'windows1258');
  const back = iconv.decode(bytes, 'windows1258').normalize('NFC');
  if (back !== text.normalize('NFC')) throw new Error(`Windows-1258 cannot write "${text}"`);
  return bytes;
}

function viaIconv(text: string, name: string): Buffer {
  const bytes = iconv.encode(text.normalize('NFC'), name);
  if (iconv.decode(bytes, name).normalize('NFC') !== text.normalize('NFC')) throw new Error(`${name} cannot write "${text}"`);
  return bytes;
}

export function encodeText(text: string, encoding: TextEncoding): Buffer {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text.normalize('NFC'), 'utf8');
    case 'ascii':
      if (/[^\x00-\x7f]/.test(text)) throw new Error(`not ASCII: "${text}"`);
      return Buffer.from(text, 'latin1');
    case 'windows1258':
      return encodeWindows1258(text);
    case 'tcvn3':
      return viaIconv(text, 'tcvn');
    case 'viscii':
      return viaIconv(text, 'viscii');
    case 'latin1':
      return viaIconv(text, 'windows1252');
    case 'vni':
      return encodeVni(text);
  }
}
