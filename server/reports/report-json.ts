// The JSON forms of a report: the public one (whoever holds the ticket: status, times, the agency's reply — never
// the contact) and the inbox one for the agency's staff (with the contact, the place and links to the feature).
import type { InboxRow, PublicReportRow, ReportEventRow } from './report-store.ts';

export function publicReportJson(r: PublicReportRow, base: string) {
  return {
    ticket: r.ticket,
    status: r.status,
    category: r.category,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    reply: r.reply,
    agency: { code: r.agency_code, name_vi: r.agency_name_vi, name_en: r.agency_name_en },
    layer: r.layer_id ? { id: r.layer_id, title_vi: r.layer_title_vi, title_en: r.layer_title_en } : null,
    fid: r.fid,
    feature_name: r.feature_name,
    location: r.lon !== null && r.lat !== null ? { lon: r.lon, lat: r.lat } : null,
    links: { self: `${base}/api/reports/${r.ticket}` },
  };
}

/** The web map's URL for a place (web/src/url-state.ts: `#map=zoom/lat/lon`). */
function mapLink(base: string, lon: number, lat: number): string {
  return `${base}/#map=17.00/${lat.toFixed(5)}/${lon.toFixed(5)}`;
}

export function inboxReportJson(r: InboxRow, base: string) {
  const layer = r.layer_id ? encodeURIComponent(r.layer_id) : null;
  return {
    ticket: r.ticket,
    status: r.status,
    category: r.category,
    description: r.description,
    contact: r.contact,
    reply: r.reply,
    held: r.held_reason !== null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    agency: { code: r.agency_code, name_vi: r.agency_name_vi, name_en: r.agency_name_en },
    layer: r.layer_id ? { id: r.layer_id, title_vi: r.layer_title_vi, title_en: r.layer_title_en } : null,
    fid: r.fid,
    location: { lon: r.lon, lat: r.lat },
    links: {
      self: `${base}/api/admin/reports/${r.ticket}`,
      public: `${base}/api/reports/${r.ticket}`,
      map: mapLink(base, r.lon, r.lat),
      ...(layer && r.fid !== null ? { feature: `${base}/api/layers/${layer}/features/${r.fid}` } : {}),
    },
  };
}

export function reportEventJson(e: ReportEventRow) {
  return {
    at: e.at.toISOString(),
    actor: e.actor,
    agency: e.agency_code,
    from_status: e.from_status,
    to_status: e.to_status,
    reply: e.reply,
  };
}
