/**
 * Reading a CSV/TSV text table the way the generated script does (tlorc_runtime.read_table):
 * `quoting: none` splits records on "\n" only (never on U+0085 or U+2028, which occur inside the
 * UCI sentences) and fields on the delimiter; `quoting: csv` follows RFC 4180 (quoted fields may
 * hold delimiters, "" and newlines). A trailing "\r" (Windows line ends) is dropped either way.
 */
export function parseTable(text: string, delimiter: string, quoting: 'none' | 'csv'): string[][] {
  if (quoting === 'none')
    return text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '')
      .map((l) => l.split(delimiter));
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
