// Ticket codes as people type them back: `CB-7K3M-9QXA`, in Crockford's base 32 (the database makes them, see
// reports.new_ticket). Read over the phone or copied from a screenshot they arrive in lower case, without dashes,
// with O for 0 or I/L for 1: all of that is the same ticket.

export const TICKET_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TICKET_PATTERN = /^CB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const misread: Record<string, string> = { O: '0', I: '1', L: '1' };

/** The canonical form of a typed ticket, or null when it cannot be one. */
export function normalizeTicket(input: string): string | null {
  if (input.length > 40) return null;
  let code = input.toUpperCase().replace(/[\s\-_.]/g, '');
  if (code.startsWith('CB')) code = code.slice(2);
  code = code.replace(/[OIL]/g, (c) => misread[c]!);
  if (code.length !== 8 || [...code].some((c) => !TICKET_ALPHABET.includes(c))) return null;
  return `CB-${code.slice(0, 4)}-${code.slice(4)}`;
}
