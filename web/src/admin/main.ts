// The admin pages: an agency admin manages the agency's accounts, API keys and layers, answers its citizen reports
// (held ones apart), and reads its audit log and notifications; the operator also manages the agencies (create,
// rename, merge) and hands layers over. Every action is the API's (server/routes/admin.ts, admin-layers.ts,
// reports.ts); every question is a dialog of form-dialog.ts, never window.prompt or window.confirm.
import { formatDateTime } from '../format.ts';
import { ApiError, call, currentUser, setCsrf, signIn, signOut, whenSignedOut, type Me } from '../editor/http.ts';
// Report statuses and categories are the editor's words too (its report inbox): one list of them.
import { currentLang, onLangChange, setLang, t, type EditorKey } from '../editor/strings.ts';
import '../editor/editor.css';
import './admin.css';
import { mountMaintenanceBanner } from '../maintenance-banner.ts';
import { $, button, el, field, input, layerPicker, table } from './dom.ts';
import { confirmDialog, dialogShell, formDialog } from './form-dialog.ts';
import { agencyName, layerDialog, type AdminLayer, type Agency, type Sector } from './layer-form.ts';
import { operationsTab } from './operations-tab.ts';
import { adminError, auditLabel, ta, type AdminKey } from './strings.ts';

type Tab = 'accounts' | 'clients' | 'layers' | 'reports' | 'audit' | 'notifications' | 'agencies' | 'operations';
interface Account { id: string; username: string; display_name: string; status: string; memberships: Array<{ agency_code: string; role: string; layer_scope: string[] | null }> | null }
interface ApiClient { id: string; agency_code: string; name: string; key_prefix: string; layer_scope: string[] | null; can_write: boolean; status: string; created_at: string; last_used_at: string | null }
interface InboxReport {
  ticket: string; status: string; category: string; description: string; contact: string | null; reply: string | null; held: boolean;
  created_at: string; agency: { code: string; name_vi: string; name_en: string }; layer: { id: string; title_vi: string; title_en: string } | null;
  fid: number | null; location: { lon: number; lat: number };
}
interface AuditEvent { id: number; at: string; action: string; target_type: string | null; target_id: string | null; actor_user_id: string | null; ip: string | null; agency: string | null }

/** What a report may become next (server/reports/transitions.ts decides; this only offers the choices). */
const nextStatuses: Record<string, string[]> = { new: ['in_progress', 'fixed', 'rejected'], in_progress: ['fixed', 'rejected'], fixed: ['in_progress'], rejected: ['in_progress'] };

class AdminPage {
  private me: Me | null = null;
  private tab: Tab = 'accounts';

  async start(): Promise<void> {
    this.translate();
    onLangChange(() => {
      this.translate();
      if (this.me) void this.render();
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang as 'vi' | 'en'));
    whenSignedOut(() => this.showSignIn(''));
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      signIn($<HTMLInputElement>('username').value.trim(), $<HTMLInputElement>('password').value)
        .then((me) => this.enter(me))
        .catch((err: ApiError) => { $('signin-error').textContent = adminError(err.code, err.message); });
    });
    $('signout').addEventListener('click', () => void signOut().then(() => this.showSignIn('')));
    const me = await currentUser();
    if (me) this.enter(me);
    else this.showSignIn('');
  }

  private translate(): void {
    document.title = ta('title');
    document.documentElement.lang = currentLang();
    for (const n of document.querySelectorAll<HTMLElement>('[data-t]')) n.textContent = ta(n.dataset.t as AdminKey);
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === currentLang()));
  }

  private showSignIn(message: string): void {
    this.me = null;
    setCsrf(null);
    for (const d of document.querySelectorAll('dialog')) d.close();
    $('workspace').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message;
  }

  private enter(me: Me): void {
    if (!me.is_operator && !me.memberships.some((m) => m.role === 'agency_admin')) {
      this.showSignIn(ta('notAdmin'));
      return;
    }
    this.me = me;
    $('signin').hidden = true;
    $('workspace').hidden = false;
    $('who').textContent = `${me.display_name || me.username} — ${me.memberships[0]?.agency_name_vi ?? ''}`;
    void this.render();
  }

  private flash(text: string, error = false): void {
    $('status').textContent = text;
    $('status').classList.toggle('error', error);
  }

  private failed = (e: unknown) => {
    const err = e as ApiError;
    this.flash(adminError(err.code, err.message), true);
  };

  /** After a dialog: say so and show the new state. */
  private afterDialog = (message: string) => (ok: boolean) => {
    if (!ok) return;
    // The new state first, then the sentence: whoever reads the message sees the list it speaks of.
    void this.render().then(() => this.flash(message));
  };

  private async render(): Promise<void> {
    const tabs: Tab[] = ['accounts', 'clients', 'layers', 'reports', 'audit', 'notifications', ...(this.me!.is_operator ? ['agencies' as const, 'operations' as const] : [])];
    $('tabs').replaceChildren(...tabs.map((tab) => {
      const b = button(ta(`tab_${tab}`), () => { this.tab = tab; this.flash(''); void this.render(); });
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(tab === this.tab));
      b.setAttribute('aria-controls', 'view');
      return b;
    }));
    const view = $('view');
    try {
      const content = await this[this.tab]();
      view.replaceChildren(el('section', { ariaLabel: ta(`tab_${this.tab}`) }, el('h2', { textContent: ta(`tab_${this.tab}`) }), ...content));
    } catch (e) {
      this.failed(e);
    }
  }

  // --- accounts -----------------------------------------------------------------------------------------

  /** The layers this admin manages (an agency admin: the agency's), to limit accounts and keys to; and names for codes. */
  private async managed(): Promise<{ picker(id: string): ReturnType<typeof layerPicker>; layerTitle(id: string): string; agency(code: string): string }> {
    const [{ body: layers }, { body: agencies }] = await Promise.all([
      call<{ layers: AdminLayer[] }>('GET', '/api/admin/layers'),
      call<{ agencies: Agency[] }>('GET', '/api/admin/agencies'),
    ]);
    const title = (l: AdminLayer) => (currentLang() === 'en' ? l.title_en : l.title_vi);
    return {
      picker: (id) => layerPicker(id, ta('layerLimit'), layers.layers.map((l) => ({ id: l.id, title: title(l) }))),
      layerTitle: (id) => { const l = layers.layers.find((x) => x.id === id); return l ? title(l) : id; },
      agency: (code) => { const a = agencies.agencies.find((x) => x.code === code); return a ? agencyName(a) : code; },
    };
  }

  private async accounts(): Promise<Node[]> {
    const [{ body }, names] = await Promise.all([call<{ users: Account[] }>('GET', '/api/admin/users'), this.managed()]);
    const rows = body.users.map((u) => {
      const m = u.memberships?.[0];
      const actions = el('div', { className: 'actions' });
      actions.dataset.user = u.username;
      const setStatus = (status: 'active' | 'disabled' | 'lost') => {
        const verb = status === 'active' ? 'enable' : status === 'lost' ? 'markLost' : 'disable';
        void formDialog({
          title: ta(`${verb}Title` as AdminKey, { u: u.username }), intro: ta(`${verb}Intro` as AdminKey), submitLabel: ta(verb),
          danger: status !== 'active', testId: 'status-dialog',
          fields: [{ kind: 'text', name: 'reason', label: ta('reason'), required: status !== 'active' }],
          onSubmit: (v) => call('POST', `/api/admin/users/${u.id}/status`, { status, reason: v.reason }).then(() => {}),
        }).then(this.afterDialog(ta('done')));
      };
      if (u.status === 'active') actions.append(button(ta('disable'), () => setStatus('disabled'), 'danger'), button(ta('markLost'), () => setStatus('lost'), 'danger'));
      else actions.append(button(ta('enable'), () => setStatus('active')));
      actions.append(button(ta('resetPassword'), () => void formDialog({
        title: ta('resetPasswordTitle', { u: u.username }), submitLabel: ta('resetPassword'), testId: 'password-dialog',
        fields: [{ kind: 'password', name: 'password', label: ta('newPassword'), required: true, autocomplete: 'new-password', hint: ta('passwordHint') }],
        onSubmit: (v) => call('POST', `/api/admin/users/${u.id}/password`, { password: v.password }).then(() => {}),
      }).then(this.afterDialog(ta('passwordReset', { u: u.username })))));
      return [u.username, u.display_name, m ? `${ta(`role_${m.role}` as AdminKey)} — ${names.agency(m.agency_code)}${m.layer_scope ? ` — ${ta('onlyLayers', { layers: m.layer_scope.map(names.layerTitle).join(', ') })}` : ''}` : '—',
        ta(`status_${u.status}` as AdminKey), actions];
    });
    const picker = names.picker('new-layers');
    const form = el('form', { className: 'inline-form' });
    form.append(field('new-username', ta('username'), input({ required: true, autocomplete: 'off' })),
      field('new-display', ta('displayName'), input()),
      field('new-password', ta('password'), input({ type: 'password', required: true, autocomplete: 'new-password' })),
      picker.node,
      el('button', { type: 'submit', className: 'primary', textContent: ta('createEditor') }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = (id: string) => (form.querySelector<HTMLInputElement>(`#${id}`)!).value.trim();
      const layers = picker.chosen();
      const username = v('new-username');
      call('POST', '/api/admin/users', { username, password: v('new-password'), display_name: v('new-display'), role: 'editor', ...(layers.length ? { layers } : {}) })
        .then(() => { this.flash(ta('created', { u: username })); void this.render(); }).catch(this.failed);
    });
    return [table(ta('tab_accounts'), [ta('username'), ta('displayName'), ta('role'), ta('status'), ta('actions')], rows),
      el('h3', { textContent: ta('createEditor') }), form];
  }

  // --- API keys -----------------------------------------------------------------------------------------

  private async clients(): Promise<Node[]> {
    const [{ body }, names] = await Promise.all([call<{ api_clients: ApiClient[] }>('GET', '/api/admin/api-clients'), this.managed()]);
    const rows = body.api_clients.map((c) => [c.name, `${c.key_prefix}…`, names.agency(c.agency_code), c.can_write ? ta('yes') : ta('no'),
      c.layer_scope?.map(names.layerTitle).join(', ') ?? ta('allLayers'),
      c.last_used_at ? formatDateTime(c.last_used_at) : '—',
      c.status === 'active'
        ? button(ta('revoke'), () => void confirmDialog({
          title: ta('revokeTitle', { name: c.name }), message: ta('revokeIntro'), confirmLabel: ta('revoke'), danger: true, testId: 'revoke-dialog',
          onConfirm: () => call('POST', `/api/admin/api-clients/${c.id}/revoke`).then(() => {}),
        }).then(this.afterDialog(ta('keyRevoked', { name: c.name }))), 'danger')
        : ta('revoked')]);
    const form = el('form', { className: 'inline-form' });
    const write = input({ type: 'checkbox' });
    write.id = 'client-write';
    const picker = names.picker('client-layers');
    form.append(field('client-name', ta('clientName'), input({ required: true })), picker.node,
      el('div', { className: 'checkbox-row' }, write, el('label', { htmlFor: 'client-write', textContent: ta('canWrite') })),
      el('button', { type: 'submit', className: 'primary', textContent: ta('createClient') }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = form.querySelector<HTMLInputElement>('#client-name')!.value.trim();
      const layers = picker.chosen();
      call<{ key: string }>('POST', '/api/admin/api-clients', { name, can_write: write.checked, ...(layers.length ? { layers } : {}) })
        .then(async (r) => {
          await this.render();
          this.flash(ta('keyCreated', { name }));
          await this.showKeyOnce(name, r.body.key);
        }).catch(this.failed);
    });
    return [table(ta('tab_clients'), [ta('clientName'), ta('keyPrefix'), ta('agency'), ta('canWrite'), ta('layersCol'), ta('lastUsed'), ta('actions')], rows),
      el('h3', { textContent: ta('createClient') }), form];
  }

  /** The new key, once: only its hash is kept, so closing this dialog is the last time anyone sees it. */
  private async showKeyOnce(name: string, key: string): Promise<void> {
    await dialogShell({ title: ta('keyOnceTitle', { name }), intro: ta('keyOnce'), submitLabel: ta('keyCopiedClose'), testId: 'key-dialog' }, ({ body }) => {
      const box = input();
      box.readOnly = true;
      box.value = key;
      box.className = 'key-once';
      const copy = button(ta('copy'), () => {
        box.select();
        void navigator.clipboard?.writeText(key).then(() => { copy.textContent = ta('copied'); }, () => {});
      });
      body.append(field('api-key-value', ta('apiKey'), box), copy);
    }, async () => {});
  }

  // --- layers -------------------------------------------------------------------------------------------

  private async layers(): Promise<Node[]> {
    const [{ body }, { body: agencies }] = await Promise.all([
      call<{ sectors: Sector[]; layers: AdminLayer[] }>('GET', '/api/admin/layers'),
      call<{ agencies: Agency[] }>('GET', '/api/admin/agencies'),
    ]);
    const operator = this.me!.is_operator;
    const name = (code: string) => { const a = agencies.agencies.find((x) => x.code === code); return a ? agencyName(a) : code; };
    const open = (layer?: AdminLayer) => void layerDialog({ layer, sectors: body.sectors, agencies: agencies.agencies, chooseOwner: operator })
      .then((id) => { if (id) this.afterDialog(layer ? ta('layerSaved', { id }) : ta('layerCreated', { id }))(true); });
    const rows = body.layers.map((l) => {
      const actions = el('div', { className: 'actions' }, button(ta('editLayer'), () => open(l)));
      if (operator) actions.append(button(ta('handOver'), () => void this.handOver(l, agencies.agencies)));
      const title = currentLang() === 'en' ? l.title_en : l.title_vi;
      const vis = l.visibility === 'restricted' ? `${ta('vis_restricted')}${l.readers.length ? ` — ${l.readers.map(name).join(', ')}` : ''}` : ta('vis_public');
      return [el('span', {}, el('strong', { textContent: title }), el('br'), el('code', { textContent: l.id })), agencyName(l.owner), vis,
        String(l.feature_count), l.source, actions];
    });
    return [el('div', { className: 'actions' }, button(ta('createLayer'), () => open(), 'primary')),
      table(ta('tab_layers'), [ta('layer'), ta('owner'), ta('visibility'), ta('featureCount'), ta('source'), ta('actions')], rows, body.layers.map((l) => ({ layer: l.id })))];
  }

  private handOver(layer: AdminLayer, agencies: Agency[]): Promise<void> {
    const targets = agencies.filter((a) => a.status === 'active' && a.code !== layer.owner.code);
    return formDialog({
      title: ta('handOverTitle', { id: layer.id }), intro: ta('handOverIntro', { owner: agencyName(layer.owner) }), submitLabel: ta('handOver'),
      testId: 'handover-dialog', danger: true,
      fields: [{ kind: 'select', name: 'agency', label: ta('newOwner'), options: targets.map((a) => ({ value: a.code, label: agencyName(a) })) }],
      onSubmit: (v) => call('POST', `/api/admin/layers/${encodeURIComponent(layer.id)}/owner`, { agency: v.agency }).then(() => {}),
    }).then(this.afterDialog(ta('handedOver', { id: layer.id })));
  }

  // --- citizen reports ------------------------------------------------------------------------------------

  private async reports(): Promise<Node[]> {
    const [inbox, held] = await Promise.all([
      call<{ total: number; reports: InboxReport[] }>('GET', '/api/admin/reports?limit=100'),
      call<{ total: number; reports: InboxReport[] }>('GET', '/api/admin/reports?held=true&limit=100'),
    ]);
    const where = (r: InboxReport) => r.layer
      ? `${currentLang() === 'en' ? r.layer.title_en : r.layer.title_vi} #${r.fid}`
      : `${r.location.lat.toFixed(5)}, ${r.location.lon.toFixed(5)}`;
    const row = (r: InboxReport, actions: HTMLElement) => [el('code', { textContent: r.ticket }), formatDateTime(r.created_at),
      t(`cat_${r.category}` as EditorKey), where(r), r.description, r.contact ?? '—', r.held ? ta('heldStatus') : t(`rstatus_${r.status}` as EditorKey), actions];
    const headers = [ta('ticket'), ta('when'), ta('category'), ta('place'), ta('description'), ta('contact'), ta('status'), ta('actions')];
    const inboxRows = inbox.body.reports.map((r) => row(r, el('div', { className: 'actions' }, button(ta('answer'), () => void this.answer(r)))));
    const heldRows = held.body.reports.map((r) => row(r, el('div', { className: 'actions' },
      button(ta('release'), () => void confirmDialog({
        title: ta('releaseTitle', { t: r.ticket }), message: ta('releaseIntro'), confirmLabel: ta('release'), testId: 'release-dialog',
        onConfirm: () => call('POST', `/api/admin/reports/${r.ticket}/release`).then(() => {}),
      }).then(this.afterDialog(ta('released', { t: r.ticket })))),
      button(ta('deleteReport'), () => void confirmDialog({
        title: ta('deleteReportTitle', { t: r.ticket }), message: ta('deleteReportIntro'), confirmLabel: ta('deleteReport'), danger: true, testId: 'delete-report-dialog',
        onConfirm: () => call('DELETE', `/api/admin/reports/${r.ticket}`).then(() => {}),
      }).then(this.afterDialog(ta('reportDeleted', { t: r.ticket }))), 'danger'))));
    const data = (list: InboxReport[]) => list.map((r) => ({ ticket: r.ticket }));
    const inboxSection = el('section', { className: 'report-list', id: 'inbox' }, el('h3', { textContent: ta('inboxHeading', { n: inbox.body.total }) }),
      table(ta('inboxHeading', { n: inbox.body.total }), headers, inboxRows, data(inbox.body.reports)));
    const heldSection = el('section', { className: 'report-list', id: 'held-reports' }, el('h3', { textContent: ta('heldHeading', { n: held.body.total }) }),
      el('p', { className: 'hint', textContent: ta('heldHint') }), table(ta('heldHeading', { n: held.body.total }), headers, heldRows, data(held.body.reports)));
    return [inboxSection, heldSection];
  }

  private answer(r: InboxReport): Promise<void> {
    const options = [r.status, ...(nextStatuses[r.status] ?? [])].map((s) => ({ value: s, label: t(`rstatus_${s}` as EditorKey) }));
    return formDialog({
      title: ta('answerTitle', { t: r.ticket }), intro: r.description, submitLabel: ta('save'), testId: 'answer-dialog',
      fields: [
        { kind: 'select', name: 'status', label: ta('status'), options, value: r.status },
        { kind: 'textarea', name: 'reply', label: ta('replyLabel'), value: r.reply ?? '', hint: ta('replyHint') },
      ],
      onSubmit: (v) => call('PATCH', `/api/admin/reports/${r.ticket}`, { status: v.status, reply: v.reply || null }).then(() => {}),
    }).then(this.afterDialog(ta('done')));
  }

  // --- audit log and notifications ------------------------------------------------------------------------

  private async audit(): Promise<Node[]> {
    const [{ body }, { body: users }] = await Promise.all([
      call<{ events: AuditEvent[] }>('GET', '/api/admin/audit?limit=200'),
      call<{ users: Account[] }>('GET', '/api/admin/users'),
    ]);
    const who = new Map(users.users.map((u) => [u.id, u.username]));
    return [table(ta('tab_audit'), [ta('when'), ta('action'), ta('target'), ta('agency'), ta('actor')], body.events.map((e) => [
      formatDateTime(e.at), auditLabel(e.action), `${e.target_type ?? ''} ${e.target_id ?? ''}`.trim(), e.agency ?? '—',
      `${e.actor_user_id ? who.get(e.actor_user_id) ?? ta('otherAccount') : '—'}${e.ip ? ` (${e.ip})` : ''}`,
    ]), body.events.map((e) => ({ action: e.action })))];
  }

  private async notifications(): Promise<Node[]> {
    const { body } = await call<{ notifications: Array<{ created_at: string; agency: string; kind: string; message: string }> }>('GET', '/api/admin/notifications');
    return [table(ta('tab_notifications'), [ta('when'), ta('agency'), ta('kind'), ta('message')],
      body.notifications.map((n) => [formatDateTime(n.created_at), n.agency, n.kind, n.message]))];
  }

  // --- maintenance windows and backups (operator): operations-tab.ts --------------------------------------

  private operations(): Promise<Node[]> {
    return operationsTab({ afterDialog: this.afterDialog });
  }

  // --- agencies (operator) --------------------------------------------------------------------------------

  private async agencies(): Promise<Node[]> {
    const { body } = await call<{ agencies: Agency[] }>('GET', '/api/admin/agencies');
    const active = body.agencies.filter((a) => a.status === 'active');
    const rows = body.agencies.map((a) => {
      const actions = el('div', { className: 'actions' });
      actions.append(button(ta('rename'), () => void formDialog({
        title: ta('renameTitle', { code: a.code }), submitLabel: ta('rename'), testId: 'rename-dialog',
        fields: [
          { kind: 'text', name: 'name_vi', label: ta('nameVi'), value: a.name_vi, required: true },
          { kind: 'text', name: 'name_en', label: ta('nameEn'), value: a.name_en, required: true },
        ],
        onSubmit: (v) => call('PATCH', `/api/admin/agencies/${a.code}`, { name_vi: v.name_vi, name_en: v.name_en }).then(() => {}),
      }).then(this.afterDialog(ta('done')))));
      if (a.status === 'active' && a.kind !== 'operator') {
        actions.append(button(ta('merge'), () => void formDialog({
          title: ta('mergeTitle', { name: agencyName(a) }), intro: ta('mergeIntro'), submitLabel: ta('merge'), danger: true, testId: 'merge-dialog',
          fields: [{ kind: 'select', name: 'into', label: ta('mergeInto'), options: active.filter((b) => b.code !== a.code).map((b) => ({ value: b.code, label: agencyName(b) })) }],
          onSubmit: (v) => call('POST', `/api/admin/agencies/${a.code}/merge`, { into: v.into }).then(() => {}),
        }).then(this.afterDialog(ta('merged', { name: agencyName(a) }))), 'danger'));
      }
      const status = a.status === 'merged' ? ta('mergedInto', { code: a.merged_into ?? '' }) : ta(`agency_${a.status}` as AdminKey);
      return [el('code', { textContent: a.code }), a.name_vi, a.name_en, status, String(a.layer_count), actions];
    });
    const create = button(ta('createAgency'), () => void formDialog({
      title: ta('createAgency'), submitLabel: ta('createAgency'), testId: 'agency-dialog',
      fields: [
        { kind: 'text', name: 'code', label: ta('code'), required: true, pattern: '[a-z][a-z0-9_]{1,40}', hint: ta('agencyCodeHint'), autocomplete: 'off' },
        { kind: 'text', name: 'name_vi', label: ta('nameVi'), required: true },
        { kind: 'text', name: 'name_en', label: ta('nameEn'), required: true },
        { kind: 'select', name: 'kind', label: ta('kind'), options: ['department', 'local_government', 'other'].map((k) => ({ value: k, label: ta(`kind_${k}` as AdminKey) })) },
      ],
      onSubmit: (v) => call('POST', '/api/admin/agencies', v).then(() => {}),
    }).then(this.afterDialog(ta('agencyCreated'))), 'primary');
    return [el('div', { className: 'actions' }, create),
      table(ta('tab_agencies'), [ta('code'), ta('nameVi'), ta('nameEn'), ta('status'), ta('layerCount'), ta('actions')], rows, body.agencies.map((a) => ({ agency: a.code })))];
  }
}

// Announced maintenance (Điều 10.2), in the page's own language.
mountMaintenanceBanner({ language: currentLang, onLanguageChange: onLangChange });
void new AdminPage().start();
