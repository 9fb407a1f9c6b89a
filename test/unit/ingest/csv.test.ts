import { CsvRecordReader, detectDelimiter, splitCsv } from '../../../ingest/formats/csv';
import { readLines } from '../../../ingest/formats/lines';

async function linesOf(chunks: (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) {
      await Promise.resolve();
      yield typeof c === 'string' ? Buffer.from(c) : c;
    }
  }
  for await (const batch of readLines(source())) out.push(...batch);
  return out;
}

function read(text: string, delimiter?: string) {
  const r = new CsvRecordReader(delimiter);
  const recs = r.push(text.split('\n'));
  r.end(recs);
  return { reader: r, recs };
}

describe('splitCsv', () => {
  it('splits plain fields, keeps empty ones', () => {
    expect(splitCsv('a,,c,', ',')).toEqual(['a', '', 'c', '']);
  });
  it('honours quotes, embedded delimiters and doubled quotes', () => {
    expect(splitCsv('1,"a, b","say ""hi""",x', ',')).toEqual(['1', 'a, b', 'say "hi"', 'x']);
    expect(splitCsv('"",x', ',')).toEqual(['', 'x']);
  });
  it('treats a quote inside an unquoted field literally', () => {
    expect(splitCsv('12" ruler,5', ',')).toEqual(['12" ruler', '5']);
  });
  it('returns null while a quoted field is open', () => {
    expect(splitCsv('1,"open', ',')).toBeNull();
  });
  it('works with other delimiters', () => {
    expect(splitCsv('a;"b;c";d', ';')).toEqual(['a', 'b;c', 'd']);
    expect(splitCsv('a\tb', '\t')).toEqual(['a', 'b']);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c', ','],
    ['a;b;c', ';'],
    ['a\tb\tc', '\t'],
    ['a|b|c', '|'],
    ['"x;y",b,c', ','],
    ['single', ','],
  ])('%j → %j', (header, d) => expect(detectDelimiter(header)).toBe(d));
});

describe('CsvRecordReader', () => {
  it('reads the header and numbers records by physical line', () => {
    const { reader, recs } = read('a,b\n1,2\n\n3,4');
    expect(reader.header).toEqual(['a', 'b']);
    expect(recs.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', '2']],
      [4, ['3', '4']],
    ]);
  });

  it('joins a quoted field that spans lines into one record at its first line', () => {
    const { recs } = read('a,b\n1,"two\nlines"\n3,4');
    expect(recs.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', 'two\nlines']],
      [4, ['3', '4']],
    ]);
  });

  it('rejects a stray opening quote without losing the lines after it', () => {
    const { recs } = read('a,b,c\n1,"oops,x\n2,y,z\n3,"q",w');
    expect(recs.map((r) => [r.line, r.error?.reason ?? null, r.fields])).toEqual([
      [2, 'unterminated_quote', null],
      [3, null, ['2', 'y', 'z']],
      [4, null, ['3', 'q', 'w']],
    ]);
  });

  it('rejects an open quote at the end of the file', () => {
    const { recs } = read('a,b\n1,2\n3,"never');
    expect(recs.map((r) => r.error?.reason ?? 'ok')).toEqual(['ok', 'unterminated_quote']);
  });

  it('flags wrong column counts', () => {
    const { recs } = read('a,b\n1\n1,2,3\n1,2');
    expect(recs.map((r) => r.error?.reason ?? 'ok')).toEqual(['wrong_column_count', 'wrong_column_count', 'ok']);
  });

  it('auto-detects ; and honours an explicit delimiter', () => {
    expect(read('a;b\n1;2').recs[0]?.fields).toEqual(['1', '2']);
    expect(read('a|b\n1|2', '|').recs[0]?.fields).toEqual(['1', '2']);
    expect(read('a\tb\n1\t2').recs[0]?.fields).toEqual(['1', '2']);
  });

  it('flags bytes that are not UTF-8 as bad_encoding', async () => {
    const bad = Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n2,ok\n')]);
    const r = new CsvRecordReader();
    const recs = r.push(await linesOf([bad]));
    expect(recs.map((x) => x.error?.reason ?? 'ok')).toEqual(['bad_encoding', 'ok']);
  });
});

describe('readLines', () => {
  it('handles CRLF, a BOM, a missing final newline and UTF-8 split across chunks', async () => {
    const euro = Buffer.from('€');
    const lines = await linesOf([Buffer.from('\uFEFFa,b\r\n1,'), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\r\n2,x')])]);
    expect(lines).toEqual(['a,b', '1,€', '2,x']);
  });
});
