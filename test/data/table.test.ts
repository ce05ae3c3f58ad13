/** The Node-side table reader used by preflight agrees with how the script reads data. */
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseTable } from '../../src/data/table.js';
import { checkData } from '../../src/data/preflight.js';
import { parseSpecText } from '../../src/spec/load.js';
import { parseSpec } from '../../src/spec/validate.js';
import { sharedData, tmpDir } from '../helpers.js';
import type { TlorcError } from '../../src/errors/index.js';

describe('parseTable', () => {
  it('quoting none: the UCI imdb file is 1000 records despite unbalanced quotes and U+0085', () => {
    const rows = parseTable(readFileSync(sharedData('sentiment', 'imdb_labelled.txt'), 'utf8'), '\t', 'none');
    expect(rows).toHaveLength(1000);
    expect(rows.every((r) => r.length === 2 && ['0', '1'].includes(r[1]!.trim()))).toBe(true);
  });

  it('quoting csv: quoted delimiters, doubled quotes, embedded newlines and CRLF line ends', () => {
    const text = 'id,review text,sentiment\r\n1,"good, ""really""\r\nmulti-line",pos\r\n2,bad,neg\r\n';
    expect(parseTable(text, ',', 'csv')).toEqual([
      ['id', 'review text', 'sentiment'],
      ['1', 'good, "really"\r\nmulti-line', 'pos'],
      ['2', 'bad', 'neg'],
    ]);
  });

  it('quoting none drops a trailing \\r', () => {
    expect(parseTable('a\tb\r\nc\td\r\n', '\t', 'none')).toEqual([['a', 'b'], ['c', 'd']]);
  });
});

describe('text data preflight', () => {
  it('counts classes of a CRLF CSV with named columns and quoted newlines', () => {
    const dir = tmpDir();
    const lines = ['id,review text,sentiment'];
    for (let i = 0; i < 10; i++) lines.push(`${i},"line one\r\nline ""two""",${i % 2 ? 'pos' : 'neg'}`);
    writeFileSync(path.join(dir, 'tab.csv'), lines.join('\r\n') + '\r\n');
    const spec = parseSpec(parseSpecText(`apiVersion: tlorc/v1
task: text_classification
framework: pytorch
backbone: { name: all-minilm-l6-v2 }
data: { type: text_table, train: tab.csv, delimiter: ",", header: true, quoting: csv, text_column: review text, label_column: sentiment }
epochs: 1
`, dir));
    expect(checkData(spec)).toEqual({ classes: ['neg', 'pos'], train: 10, val: null });
  });

  it('refuses validation labels that training lacks, and a named text column that is the label column', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'train.tsv'), 'good film\t1\nbad film\t0\n');
    writeFileSync(path.join(dir, 'val.tsv'), 'fine film\t1\nodd film\t2\n');
    const spec = (data: string) => parseSpec(parseSpecText(`apiVersion: tlorc/v1
task: text_classification
framework: pytorch
backbone: { name: all-minilm-l6-v2 }
data: ${data}
epochs: 1
`, dir));
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as TlorcError;
      }
      throw new Error('no error');
    };
    const val = error(() => checkData(spec('{ type: text_table, train: train.tsv, val: val.tsv }')));
    expect(val).toMatchObject({ code: 'TLORC_DATA_INVALID', path: ['data', 'val'] });
    expect(val.message).toContain('"2"');
    writeFileSync(path.join(dir, 'named.tsv'), 'text\tlabel\ngood film\t1\nbad film\t0\n');
    // text_column 0 and label_column "text" name one column only the file can tell
    const same = error(() => checkData(spec('{ type: text_table, train: named.tsv, header: true, text_column: 0, label_column: text }')));
    expect(same).toMatchObject({ code: 'TLORC_DATA_INVALID', path: ['data', 'label_column'] });
  });
});
