// Subject lists for the console's meeting wizard: rows pasted from Excel (tab-separated) or read from a CSV file.
// A module of its own so that it runs, and is tested, without a DOM.

/** Subjects from pasted or file text: tab-separated when there is a tab (Excel's clipboard), else comma-separated. */
export function subjectsFromText(text) {
  return subjectsFromRows(parseDelimited(text, text.includes('\t') ? '\t' : ','));
}

/** Splits delimited text (CSV or Excel's tab-separated clipboard) into rows of cells; quotes as in RFC 4180. */
export function parseDelimited(text, delimiter) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  text = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) row.push(cell), (cell = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  return rows.map((r) => r.map((x) => x.trim())).filter((r) => r.some((x) => x !== ''));
}

function subjectKindOf(text, name) {
  const t = (text || '').trim().toLowerCase();
  if (/^(organisation|organization|组织|党组织|党委|党总支|党支部)/.test(t)) return 'organisation';
  if (/^(candidate|人选|推荐人选|候选|后备)/.test(t)) return 'candidate';
  if (/^(person|个人|成员|班子成员|干部)/.test(t)) return 'person';
  if (/^(team|班子|集体|领导班子|班子集体)/.test(t)) return 'team';
  if (t) return 'person';
  // No kind column: guess from the name; the list stays editable before the meeting is created.
  if (/(党委|党总支|党支部|党组|党组织)$/.test(name)) return 'organisation';
  if (/班子$/.test(name)) return 'team';
  return 'person';
}

/** Rows of (name, position, kind, head?) → subjects; a header row is skipped. */
export function subjectsFromRows(rows) {
  const out = [];
  for (const [i, r] of rows.entries()) {
    const name = (r[0] || '').trim();
    if (!name) continue;
    if (i === 0 && /^(姓名|名称|测评对象|对象|name)$/i.test(name)) continue;
    out.push({ name: name.slice(0, 50), title: (r[1] || '').slice(0, 50), kind: subjectKindOf(r[2], name), isHead: /^(是|y|yes|1|true|主要负责人|√)$/i.test((r[3] || '').trim()) });
  }
  return out;
}

/** A CSV saved by Excel in China is often GBK: try UTF-8 strictly, then GBK. */
export function decodeCsv(buffer) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return new TextDecoder('gbk').decode(buffer);
  }
}
