// The layer dialog: a new layer (id, geometry, attribute schema, style, visibility with reader agencies, metadata)
// or the metadata, style and visibility of an existing one. The server checks everything again
// (server/routes/admin-layers.ts); the browser's own validation catches the obvious first.
import { call } from '../editor/http.ts';
import { button, el, field, select } from './dom.ts';
import { addFields, dialogShell, readValues, type FieldSpec } from './form-dialog.ts';
import { currentLang } from '../editor/strings.ts';
import { ta, type AdminKey } from './strings.ts';

export interface LayerAttribute { name: string; type: string; label_vi: string; label_en: string; required?: boolean }
export interface LayerStyle { color?: string; width?: number; radius?: number }
export interface AdminLayer {
  id: string; title_vi: string; title_en: string; description_vi: string; description_en: string;
  geometry_family: 'point' | 'line' | 'polygon'; attributes: LayerAttribute[]; name_attribute: string | null;
  visibility: 'public' | 'restricted'; readers: string[]; source: string; legal_basis: string; licence: string;
  style: LayerStyle; owner: { code: string; name_vi: string; name_en: string }; feature_count: number;
}
export interface Sector { code: string; title_vi: string; title_en: string }
export interface Agency { code: string; name_vi: string; name_en: string; kind: string; status: string; merged_into: string | null; layer_count: string }

const attributeTypes = ['text', 'integer', 'number', 'boolean', 'date', 'datetime'] as const;
const families = ['point', 'line', 'polygon'] as const;
const DEFAULT_COLOUR = '#1f78b4';

export const agencyName = (a: { name_vi: string; name_en: string }) => (currentLang() === 'en' ? a.name_en : a.name_vi);

function textInput(className: string, value: string, pattern = ''): HTMLInputElement {
  const i = document.createElement('input');
  i.className = className;
  i.value = value;
  i.required = true;
  i.autocomplete = 'off';
  if (pattern) i.pattern = pattern;
  return i;
}

/** One row of the attribute schema editor. */
function attributeRow(list: HTMLElement, onChange: () => void, a?: LayerAttribute): HTMLFieldSetElement {
  const n = list.children.length + 1;
  const id = `attr-${Date.now().toString(36)}-${n}`;
  const type = select(attributeTypes.map((t) => ({ value: t, label: ta(`type_${t}` as AdminKey) })), a?.type ?? 'text');
  type.className = 'attr-type';
  const required = document.createElement('input');
  required.type = 'checkbox';
  required.id = `${id}-required`;
  required.className = 'attr-required';
  required.checked = a?.required ?? false;
  const requiredLabel = document.createElement('label');
  requiredLabel.htmlFor = required.id;
  requiredLabel.textContent = ta('attrRequired');
  const requiredRow = document.createElement('div');
  requiredRow.className = 'checkbox-row';
  requiredRow.append(required, requiredLabel);
  const legend = document.createElement('legend');
  legend.textContent = ta('attributeN', { n });
  const set = document.createElement('fieldset');
  set.className = 'attribute-row';
  set.append(legend,
    field(`${id}-name`, ta('attrName'), textInput('attr-name', a?.name ?? '', '[a-z][a-z0-9_]{0,62}'), ta('attrNameHint')),
    field(`${id}-type`, ta('attrType'), type),
    field(`${id}-vi`, ta('attrLabelVi'), textInput('attr-label-vi', a?.label_vi ?? '')),
    field(`${id}-en`, ta('attrLabelEn'), textInput('attr-label-en', a?.label_en ?? '')),
    requiredRow,
    button(ta('removeAttribute', { n }), () => {
      set.remove();
      onChange();
    }));
  return set;
}

function readAttributes(list: HTMLElement): LayerAttribute[] {
  return [...list.querySelectorAll<HTMLFieldSetElement>('.attribute-row')].map((row) => ({
    name: row.querySelector<HTMLInputElement>('.attr-name')!.value.trim(),
    type: row.querySelector<HTMLSelectElement>('.attr-type')!.value,
    label_vi: row.querySelector<HTMLInputElement>('.attr-label-vi')!.value.trim(),
    label_en: row.querySelector<HTMLInputElement>('.attr-label-en')!.value.trim(),
    required: row.querySelector<HTMLInputElement>('.attr-required')!.checked,
  }));
}

/** Opens the dialog; resolves with the layer id once saved, or null when cancelled. */
export async function layerDialog(opts: { layer?: AdminLayer; sectors: Sector[]; agencies: Agency[]; chooseOwner: boolean }): Promise<string | null> {
  const existing = opts.layer;
  const active = opts.agencies.filter((a) => a.status === 'active');
  const readerOptions = active.filter((a) => a.code !== existing?.owner.code).map((a) => ({ value: a.code, label: agencyName(a) }));
  const metaFields: FieldSpec[] = [
    { kind: 'text', name: 'title_vi', label: ta('titleVi'), value: existing?.title_vi, required: true },
    { kind: 'text', name: 'title_en', label: ta('titleEn'), value: existing?.title_en, hint: ta('titleEnHint') },
    { kind: 'textarea', name: 'description_vi', label: ta('descriptionVi'), value: existing?.description_vi },
    { kind: 'textarea', name: 'description_en', label: ta('descriptionEn'), value: existing?.description_en },
    { kind: 'text', name: 'source', label: ta('source'), value: existing?.source, required: true, hint: ta('sourceHint') },
    { kind: 'text', name: 'legal_basis', label: ta('legalBasis'), value: existing?.legal_basis },
    { kind: 'text', name: 'licence', label: ta('licence'), value: existing?.licence ?? 'CC BY 4.0', required: true },
  ];
  const visibilityFields: FieldSpec[] = [
    { kind: 'select', name: 'visibility', label: ta('visibility'), value: existing?.visibility ?? 'public',
      options: [{ value: 'public', label: ta('vis_public') }, { value: 'restricted', label: ta('vis_restricted') }] },
    { kind: 'checkboxes', name: 'readers', label: ta('readers'), options: readerOptions, values: existing?.readers ?? [] },
  ];
  const idFields: FieldSpec[] = existing ? [] : [
    ...(opts.chooseOwner ? [{ kind: 'select' as const, name: 'agency', label: ta('ownerAgency'), options: active.filter((a) => a.kind !== 'operator').map((a) => ({ value: a.code, label: agencyName(a) })) }] : []),
    { kind: 'select', name: 'sector', label: ta('sector'), options: opts.sectors.map((s) => ({ value: s.code, label: currentLang() === 'en' ? s.title_en : s.title_vi })) },
    { kind: 'text', name: 'slug', label: ta('slug'), required: true, pattern: '[a-z][a-z0-9_]{1,40}', hint: ta('slugHint'), autocomplete: 'off' },
    { kind: 'select', name: 'geometry_family', label: ta('geometry'), options: families.map((f) => ({ value: f, label: ta(`geom_${f}` as AdminKey) })) },
  ];
  const styleFields: FieldSpec[] = [
    { kind: 'color', name: 'color', label: ta('colour'), value: existing?.style.color ?? DEFAULT_COLOUR },
    { kind: 'number', name: 'size', label: ta('size'), min: '0.5', max: '40', step: '0.5', required: true,
      value: String(existing ? (existing.geometry_family === 'point' ? existing.style.radius ?? 5 : existing.style.width ?? 2) : 5) },
  ];
  const attributes = el('div', { className: 'attribute-list' });
  const nameAttribute = select([]);
  nameAttribute.name = 'name_attribute';

  const title = existing ? ta('editLayerTitle', { id: existing.id }) : ta('createLayer');
  let savedId: string | null = null;
  const saved = await dialogShell({ title, submitLabel: existing ? ta('save') : ta('createLayer'), testId: 'layer-dialog', wide: true }, ({ body, form }) => {
    const section = (heading: string, ...nodes: Node[]) => el('fieldset', { className: 'form-section' }, el('legend', { textContent: heading }), ...nodes);
    const idBox = el('div');
    addFields(idBox, idFields);
    const metaBox = el('div');
    addFields(metaBox, metaFields);
    const visBox = el('div');
    addFields(visBox, visibilityFields);
    const styleBox = el('div');
    addFields(styleBox, styleFields);
    const refreshNames = () => {
      const current = nameAttribute.value || existing?.name_attribute || '';
      const texts = readAttributes(attributes).filter((a) => a.type === 'text' && a.name);
      nameAttribute.replaceChildren(el('option', { value: '', textContent: ta('noNameAttribute') }),
        ...texts.map((a) => el('option', { value: a.name, textContent: `${a.label_vi || a.name} (${a.name})` })));
      nameAttribute.value = texts.some((a) => a.name === current) ? current : '';
    };
    const sizeLabel = () => {
      const family = existing?.geometry_family ?? (form.elements.namedItem('geometry_family') as HTMLSelectElement).value;
      styleBox.querySelector('label[for$="-size"]')!.textContent = family === 'point' ? ta('radius') : ta('width');
    };
    const readersBox = visBox.querySelector<HTMLElement>('.checkbox-set')!;
    const showReaders = () => { readersBox.hidden = (form.elements.namedItem('visibility') as HTMLSelectElement).value !== 'restricted'; };

    if (!existing) {
      const addAttribute = button(ta('addAttribute'), () => {
        attributes.append(attributeRow(attributes, refreshNames));
        attributes.lastElementChild!.querySelector('input')!.focus();
        refreshNames();
      });
      body.append(section(ta('sectionId'), idBox),
        section(ta('sectionAttributes'), el('p', { className: 'hint', textContent: ta('attributesHint') }), attributes, addAttribute,
          field('layer-name-attribute', ta('nameAttribute'), nameAttribute, ta('nameAttributeHint'))));
      attributes.addEventListener('input', refreshNames);
      attributes.addEventListener('change', refreshNames);
      idBox.querySelector('select[name="geometry_family"]')!.addEventListener('change', sizeLabel);
      refreshNames();
    }
    body.append(section(ta('sectionMetadata'), metaBox), section(ta('sectionVisibility'), visBox), section(ta('sectionStyle'), styleBox));
    visBox.querySelector('select')!.addEventListener('change', showReaders);
    showReaders();
    sizeLabel();
  }, async ({ form }) => {
    const meta = readValues(form, [...metaFields, ...visibilityFields, ...styleFields]);
    const restricted = meta.visibility === 'restricted';
    const family = existing?.geometry_family ?? (form.elements.namedItem('geometry_family') as HTMLSelectElement).value;
    const size = Number(meta.size);
    const style: LayerStyle = { color: meta.color as string, ...(family === 'point' ? { radius: size } : { width: size }) };
    const common = {
      title_vi: meta.title_vi, ...(meta.title_en ? { title_en: meta.title_en } : {}),
      description_vi: meta.description_vi, description_en: meta.description_en,
      source: meta.source, legal_basis: meta.legal_basis, licence: meta.licence,
      visibility: meta.visibility, ...(restricted ? { readers: meta.readers } : {}), style,
    };
    if (existing) {
      await call('PATCH', `/api/admin/layers/${encodeURIComponent(existing.id)}`, common);
      savedId = existing.id;
      return;
    }
    const id = readValues(form, idFields);
    const layerId = `${id.sector}.${id.slug}`;
    await call('POST', '/api/admin/layers', {
      id: layerId, ...(opts.chooseOwner ? { agency: id.agency } : {}), geometry_family: id.geometry_family,
      attributes: readAttributes(attributes), name_attribute: nameAttribute.value || null, ...common,
    });
    savedId = layerId;
  });
  return saved ? savedId : null;
}
