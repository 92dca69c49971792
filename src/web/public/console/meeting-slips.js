// The slip panels of a meeting's page: print slips, void slips, print paper ballots.
import { action, errorBox, field, fmt, h, toast } from './dom.js';
import { api, download } from './session.js';
import { publicUrl } from './meta.js';

/** Where the printed QR codes point: said beside every print button, in red when no phone can open it. */
function qrAddress() {
  const p = publicUrl();
  return h('p', { class: p.loopback ? 'error' : 'help', 'data-public-url': p.url, text: p.loopback ? `二维码地址：${p.url}（本机地址，手机无法打开；请设置 PUBLIC_URL 后重新启动）` : `二维码地址：${p.url}` });
}

/**
 * Downloads a print; a refusal because the QR codes would point at this machine is shown to the user, who may
 * confirm it (testing on one computer) and print anyway.
 */
async function printPdf(url, name, body) {
  try {
    return await download('POST', url, name, { body, accept: 'application/pdf' });
  } catch (err) {
    if (err.code !== 'PUBLIC_URL_LOOPBACK' || !confirm(err.message)) throw err;
    return download('POST', url, name, { body: { ...body, confirmPublicUrl: err.details.publicUrl }, accept: 'application/pdf' });
  }
}

/** Printing slips, and the table of batches (its counts are refreshed with the page's other figures). */
export function slipsPanel(m, after, refreshers) {
  const count = h('input', { id: 'slip-count', type: 'number', min: 1, max: 10000, inputmode: 'numeric', value: m.signedIn || m.minRespondents || 10 });
  const cat = m.categories.length ? h('select', { id: 'slip-category' }, m.categories.map((c) => h('option', { value: c.key, text: `${c.label}（权重 ${Math.round(c.weight * 100)}%）` }))) : null;
  const b = h('button', { type: 'submit', id: 'print-slips', text: '生成并下载测评票（PDF）' });
  const box = errorBox();
  const out = h('div', { id: 'slips-out' });
  const form = h('form', { class: 'inline' }, field('张数', count), cat ? field('参评人员类别', cat) : null, b, box, qrAddress());
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const n = Number(count.value);
      if (!(n >= 1)) return box.set('请填写张数');
      const body = { count: n, ...(cat ? { category: cat.value } : {}) };
      out.replaceChildren();
      const file = await printPdf(`/api/meetings/${m.id}/slips`, `测评票-${m.unit}.pdf`, body);
      out.append(h('p', { class: 'ok', role: 'status', text: `已下载 ${file.name}（${n} 张）。请打印后裁开分发；票码只出现这一次。` }));
      await after();
    }),
  );
  const batches = h('div', { id: 'slip-batches' });
  const loadBatches = async () => {
    const list = await api('GET', `/api/meetings/${m.id}/slips/batches`);
    if (!list.batches.length) return batches.replaceChildren(h('p', { class: 'muted', text: '尚未生成测评票。' }));
    batches.replaceChildren(
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['序号范围', '类别', '张数', list.coarsened ? '已投（约）' : '已投', '已作废', '生成时间', '生成人'].map((t, i) => h('th', { scope: 'col', text: t, ...(i >= 2 && i <= 4 ? { class: 'num' } : {}) })))),
        h(
          'tbody',
          {},
          list.batches.map((b2) =>
            h('tr', {}, h('td', { text: `${b2.firstSerial}–${b2.lastSerial}` }), h('td', { text: b2.category ? b2.category.label : '—' }), h('td', { class: 'num', text: String(b2.count) }), h('td', { class: 'num', text: String(b2.used) }), h('td', { class: 'num', text: String(b2.voided) }), h('td', { text: fmt.time(b2.createdAt) }), h('td', { text: b2.createdBy })),
          ),
        ),
      ),
    );
  };
  loadBatches().catch(() => {});
  refreshers.push(loadBatches);
  return h('div', {}, h('p', { class: 'help', text: '每张票一个二维码和票码，只能投一次。票码只在生成时出现一次，请妥善保管打印件。' }), form, out, h('h3', { text: '已生成的批次' }), batches);
}

/** Voiding lost or spoilt slips, after a confirmation that names them and the reason. */
export function voidPanel(m, after) {
  const code = h('input', { id: 'void-code', maxlength: 2000, autocomplete: 'off', placeholder: '如：12, 15 或 ABCD-EFGH-JKLM' });
  const reason = h('input', { id: 'void-reason', maxlength: 200 });
  const b = h('button', { type: 'submit', class: 'danger', text: '作废' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('序号或票码（多张用逗号分隔）', code), field('作废理由', reason), b, box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const items = code.value.split(/[,，、;；\s]+/).filter(Boolean);
      if (!items.length) return box.set('请填写要作废的测评票序号或票码');
      if (!reason.value.trim()) return box.set('请填写作废理由');
      const serials = items.filter((x) => /^\d+$/.test(x)).map(Number);
      const shortCodes = items.filter((x) => !/^\d+$/.test(x));
      const what = [serials.length ? `序号 ${serials.join('、')}` : '', shortCodes.length ? `票码 ${shortCodes.map((c) => c.toUpperCase()).join('、')}` : ''].filter(Boolean).join('；');
      if (!confirm(`作废 ${items.length} 张测评票：${what}。\n理由：${reason.value.trim()}\n\n作废后这些票不能再投票，作废不能撤销。确定作废吗？`)) return;
      const out = await api('POST', `/api/meetings/${m.id}/slips/void`, { ...(serials.length ? { serials } : {}), ...(shortCodes.length ? { shortCodes } : {}), reason: reason.value.trim() });
      toast(out.message);
      code.value = reason.value = '';
      await after();
    }),
  );
  return h('div', {}, h('p', { class: 'help', text: '遗失、损坏或多发的测评票可作废；已作废的票不能再投票。' }), form);
}

export function paperPanel(m) {
  const count = h('input', { id: 'paper-count', type: 'number', min: 1, max: 2000, inputmode: 'numeric', value: 10 });
  const cat = m.categories.length ? h('select', { id: 'paper-category' }, m.categories.map((c) => h('option', { value: c.key, text: c.label }))) : null;
  const b = h('button', { type: 'submit', class: 'secondary', id: 'print-paper', text: '生成并下载纸质测评票（PDF）' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('张数', count), cat ? field('参评人员类别', cat) : null, b, box, qrAddress());
  form.addEventListener('submit', action(b, box, async () => {
    const n = Number(count.value);
    if (!(n >= 1)) return box.set('请填写张数');
    const got = await printPdf(`/api/meetings/${m.id}/paper-ballots/print`, `纸质测评票-${m.unit}.pdf`, { count: n, ...(cat ? { category: cat.value } : {}) });
    toast(`已下载 ${got.name}`);
  }));
  return h(
    'div',
    {},
    h('p', { class: 'help', text: '会场不允许使用手机时，打印完整的纸质测评表（角上有二维码和票码），会上集中收回后按票码逐张录入。' }),
    form,
    h('p', {}, h('a', { class: 'button', id: 'paper-key-in', href: `#/meetings/${m.id}/paper`, text: '录入收回的纸质票' })),
  );
}

/** Keying in collected paper ballots: the code, then the answers as written; number keys pick a grade and move on. */
