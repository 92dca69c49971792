// The console's subject-list import (src/web/public/console/import.js), on plain data: what a clerk pastes from
// Excel, or the CSV file Excel writes (UTF-8 with a BOM, or GBK on a Chinese Windows).
import { describe, expect, it } from 'vitest';

// A path in a variable: the module is plain browser JavaScript without type declarations.
const modulePath = '../../src/web/public/console/import.js';
const { decodeCsv, parseDelimited, subjectsFromText } = (await import(modulePath)) as {
  decodeCsv: (b: ArrayBuffer | Uint8Array) => string;
  parseDelimited: (text: string, delimiter: string) => string[][];
  subjectsFromText: (text: string) => Array<{ name: string; title: string; kind: string; isHead: boolean }>;
};

describe('subject lists pasted from Excel or read from CSV', () => {
  it('reads Excel’s clipboard: tab-separated, CRLF, a header row, a head marked 是, kinds in Chinese', () => {
    const pasted = '姓名\t职务\t类型\t主要负责人\r\n张建国\t党总支书记、村委会主任\t班子成员\t是\r\n插旗村党总支\t\t党组织\r\n插旗村“两委”班子\t\t班子\r\n\r\n';
    expect(subjectsFromText(pasted)).toEqual([
      { name: '张建国', title: '党总支书记、村委会主任', kind: 'person', isHead: true },
      { name: '插旗村党总支', title: '', kind: 'organisation', isHead: false },
      { name: '插旗村“两委”班子', title: '', kind: 'team', isHead: false },
    ]);
  });

  it('keeps a quoted cell whole: a comma, a doubled quote and a line break inside it', () => {
    expect(parseDelimited('\uFEFF"王, 志强","说""明""\n第二行",x\r\nb,c', ',')).toEqual([
      ['王, 志强', '说"明"\n第二行', 'x'],
      ['b', 'c'],
    ]);
  });

  it('reads 推荐人选 as a nomination candidate (003: 后备干部人选推荐)', () => {
    expect(subjectsFromText('赵六\t\t推荐人选\n钱七\t\t后备干部').map((s) => s.kind)).toEqual(['candidate', 'candidate']);
  });

  it('guesses the kind from the name when there is no kind column', () => {
    expect(subjectsFromText('某镇党委\n某局领导班子\n李四').map((s) => s.kind)).toEqual(['organisation', 'team', 'person']);
  });

  it('decodes a GBK file as Excel saves it on Chinese Windows, and UTF-8 as is', () => {
    // "姓名,职务,类型\r\n张三,村委会主任,班子成员\r\n插旗村党总支,,\r\n" encoded as GBK.
    const gbk = Buffer.from('d0d5c3fb2cd6b0cef12cc0e0d0cd0d0ad5c5c8fd2cb4e5ceafbbe1d6f7c8ce2cb0e0d7d3b3c9d4b10d0ab2e5c6ecb4e5b5b3d7dcd6a72c2c0d0a', 'hex');
    expect(subjectsFromText(decodeCsv(gbk))).toEqual([
      { name: '张三', title: '村委会主任', kind: 'person', isHead: false },
      { name: '插旗村党总支', title: '', kind: 'organisation', isHead: false },
    ]);
    expect(decodeCsv(Buffer.from('张三,书记\n'))).toBe('张三,书记\n');
  });
});
