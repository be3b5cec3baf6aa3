// DBF field names are at most 10 ASCII characters: long attribute names are cut and made unique, and the mapping
// is written beside the data (fields.csv and the README) so nobody has to guess what DIEN_TICH_ meant.
export interface FieldName {
  attribute: string;
  field: string;
}

export function shortFieldNames(attributes: string[], reserved: string[] = []): FieldName[] {
  const used = new Set(reserved.map((r) => r.toLowerCase()));
  return attributes.map((attribute) => {
    const ascii = attribute.replace(/[^A-Za-z0-9_]/g, '_');
    let field = ascii.slice(0, 10);
    for (let n = 1; used.has(field.toLowerCase()); n++) {
      const suffix = `_${n}`;
      field = `${ascii.slice(0, 10 - suffix.length)}${suffix}`;
    }
    used.add(field.toLowerCase());
    return { attribute, field };
  });
}
