// CSV for spreadsheets: UTF-8 with a byte order mark (Excel reads Vietnamese right only with it), CRLF, RFC 4180
// quoting, and text that Excel would take for a formula (= + - @ at the start) prefixed with an apostrophe.
export const BOM = '\ufeff';

const formulaStart = /^[=+\-@\t\r]/;

export function csvCell(value: string | null, isText: boolean): string {
  if (value === null) return '';
  let v = value;
  if (isText && formulaStart.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(cells: string[]): string {
  return `${cells.join(',')}\r\n`;
}
