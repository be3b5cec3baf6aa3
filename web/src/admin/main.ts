// The admin pages: an agency admin manages the agency's accounts, API keys, and reads its audit log and
// notifications; the operator also sees and renames the agencies. Every action is the API's (server/routes/admin.ts).
import { formatDateTime } from '../format.ts';
import { ApiError, call, currentUser, setCsrf, signIn, signOut, whenSignedOut, type Me } from '../editor/http.ts';
import { currentLang, errorText, onLangChange, setLang } from '../editor/strings.ts';
import '../editor/editor.css';
import { ta, type AdminKey } from './strings.ts';

type Tab = 'accounts' | 'clients' | 'audit' | 'notifications' | 'agencies';
interface Account { id: string; username: string; display_name: string; status: string; memberships: Array<{ agency_code: string; role: string; layer_scope: string[] | null }> | null }
interface ApiClient { id: string; name: string; key_prefix: string; layer_scope: string[] | null; can_write: boolean; status: string; created_at: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function button(text: string, onClick: () => void, className = ''): HTMLButtonElement {
  const b = el('button', { type: 'button', textContent: text, className });
  b.addEventListener('click', onClick);
  return b;
}

function table(headers: string[], rows: Array<Array<Node | string>>): HTMLElement {
  if (rows.length === 0) return el('p', { className: 'hint', textContent: ta('noRows') });
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', textContent: h })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
}

function input(props: { required?: boolean; type?: string; autocomplete?: string } = {}): HTMLInputElement {
  const i = document.createElement('input');
  if (props.required) i.required = true;
  if (props.type) i.type = props.type;
  if (props.autocomplete) i.setAttribute('autocomplete', props.autocomplete);
  return i;
}

function field(id: string, label: string, input: HTMLInputElement | HTMLSelectElement): HTMLDivElement {
  input.id = id;
  input.name = id;
  return el('div', {}, el('label', { htmlFor: id, textContent: label }), input);
}

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
        .catch((err: ApiError) => { $('signin-error').textContent = errorText(err.code, err.message); });
    });
    $('signout').addEventListener('click', () => void signOut().then(() => this.showSignIn('')));
    const me = await currentUser();
    if (me) this.enter(me);
    else this.showSignIn('');
  }

  private translate(): void {
    document.title = ta('title');
    for (const n of document.querySelectorAll<HTMLElement>('[data-t]')) n.textContent = ta(n.dataset.t as AdminKey);
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === currentLang()));
  }

  private showSignIn(message: string): void {
    this.me = null;
    setCsrf(null);
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
    this.flash(errorText(err.code, err.message), true);
  };

  private async render(): Promise<void> {
    const tabs: Tab[] = ['accounts', 'clients', 'audit', 'notifications', ...(this.me!.is_operator ? ['agencies' as const] : [])];
    $('tabs').replaceChildren(...tabs.map((tab) => {
      const b = button(ta(`tab_${tab}`), () => { this.tab = tab; this.flash(''); void this.render(); });
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(tab === this.tab));
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

  private async accounts(): Promise<Node[]> {
    const { body } = await call<{ users: Account[] }>('GET', '/api/admin/users');
    const rows = body.users.map((u) => {
      const m = u.memberships?.[0];
      const actions = el('div', { className: 'actions' });
      actions.dataset.user = u.username;
      const setStatus = (status: string) => {
        const reason = window.prompt(ta('reasonPrompt')) ?? '';
        call('POST', `/api/admin/users/${u.id}/status`, { status, reason }).then(() => { this.flash(ta('done')); void this.render(); }).catch(this.failed);
      };
      if (u.status === 'active') actions.append(button(ta('disable'), () => setStatus('disabled'), 'danger'), button(ta('markLost'), () => setStatus('lost'), 'danger'));
      else actions.append(button(ta('enable'), () => setStatus('active')));
      actions.append(button(ta('resetPassword'), () => {
        const password = window.prompt(ta('newPasswordPrompt', { u: u.username }));
        if (password) call('POST', `/api/admin/users/${u.id}/password`, { password }).then(() => this.flash(ta('done'))).catch(this.failed);
      }));
      return [u.username, u.display_name, m ? `${ta(`role_${m.role}` as AdminKey)} (${m.agency_code})${m.layer_scope ? ` — ${m.layer_scope.join(', ')}` : ''}` : '—',
        ta(`status_${u.status}` as AdminKey), actions];
    });
    const form = el('form', { className: 'inline-form' });
    form.append(field('new-username', ta('username'), input({ required: true, autocomplete: 'off' })),
      field('new-display', ta('displayName'), input()),
      field('new-password', ta('password'), input({ type: 'password', required: true, autocomplete: 'new-password' })),
      field('new-layers', ta('layerLimit'), input()),
      el('button', { type: 'submit', className: 'primary', textContent: ta('createEditor') }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = (id: string) => (form.querySelector<HTMLInputElement>(`#${id}`)!).value.trim();
      const layers = v('new-layers').split(',').map((s) => s.trim()).filter(Boolean);
      const username = v('new-username');
      call('POST', '/api/admin/users', { username, password: v('new-password'), display_name: v('new-display'), role: 'editor', ...(layers.length ? { layers } : {}) })
        .then(() => { this.flash(ta('created', { u: username })); void this.render(); }).catch(this.failed);
    });
    return [table([ta('username'), ta('displayName'), ta('role'), ta('status'), ta('actions')], rows), el('h3', { textContent: ta('createEditor') }), form];
  }

  private async clients(): Promise<Node[]> {
    const { body } = await call<{ api_clients: ApiClient[] }>('GET', '/api/admin/api-clients');
    const rows = body.api_clients.map((c) => [c.name, `${c.key_prefix}…`, c.can_write ? '✓' : '—', c.layer_scope?.join(', ') ?? '—',
      c.status === 'active' ? button(ta('revoke'), () => call('POST', `/api/admin/api-clients/${c.id}/revoke`).then(() => void this.render()).catch(this.failed), 'danger') : ta('revoked')]);
    const form = el('form', { className: 'inline-form' });
    const write = input({ type: 'checkbox' });
    write.id = 'client-write';
    form.append(field('client-name', ta('clientName'), input({ required: true })), field('client-layers', ta('layerLimit'), input()),
      el('div', {}, el('label', { htmlFor: 'client-write' }, write, ` ${ta('canWrite')}`)),
      el('button', { type: 'submit', className: 'primary', textContent: ta('createClient') }));
    const shown = el('div', { id: 'key-once' });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const layers = form.querySelector<HTMLInputElement>('#client-layers')!.value.split(',').map((s) => s.trim()).filter(Boolean);
      call<{ key: string }>('POST', '/api/admin/api-clients', { name: form.querySelector<HTMLInputElement>('#client-name')!.value.trim(), can_write: write.checked, ...(layers.length ? { layers } : {}) })
        .then(async (r) => {
          await this.render();
          $('view').querySelector('section')!.append(el('p', { textContent: ta('keyOnce') }), el('p', { className: 'key-once', textContent: r.body.key }));
        }).catch(this.failed);
    });
    return [table([ta('clientName'), 'Key', ta('canWrite'), ta('layers'), ta('actions')], rows), el('h3', { textContent: ta('createClient') }), form, shown];
  }

  private async audit(): Promise<Node[]> {
    const { body } = await call<{ events: Array<{ at: string; action: string; target_type: string | null; target_id: string | null; actor_user_id: string | null; ip: string | null }> }>('GET', '/api/admin/audit?limit=200');
    return [table([ta('when'), ta('action'), ta('target'), ta('actor')], body.events.map((e) => [formatDateTime(e.at), e.action, `${e.target_type ?? ''} ${e.target_id ?? ''}`, `${e.actor_user_id ?? '—'} ${e.ip ?? ''}`]))];
  }

  private async notifications(): Promise<Node[]> {
    const { body } = await call<{ notifications: Array<{ created_at: string; agency: string; kind: string; message: string }> }>('GET', '/api/admin/notifications');
    return [table([ta('when'), ta('code'), ta('action'), ''], body.notifications.map((n) => [formatDateTime(n.created_at), n.agency, n.kind, n.message]))];
  }

  private async agencies(): Promise<Node[]> {
    const { body } = await call<{ agencies: Array<{ code: string; name_vi: string; name_en: string; status: string; layer_count: string }> }>('GET', '/api/admin/agencies');
    return [table([ta('code'), ta('nameVi'), ta('layers'), ta('actions')], body.agencies.map((a) => [a.code, a.name_vi, String(a.layer_count),
      button(ta('rename'), () => {
        const name = window.prompt(ta('renamePrompt'), a.name_vi);
        if (name) call('PATCH', `/api/admin/agencies/${a.code}`, { name_vi: name }).then(() => { this.flash(ta('done')); void this.render(); }).catch(this.failed);
      })]))];
  }
}

void new AdminPage().start();
