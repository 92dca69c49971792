/* Ceping voter page. Plain ES2017 for old WebViews (WeChat): no optional chaining, no object spread. */
(function () {
  'use strict';
  var main = document.getElementById('main');
  var bar = document.getElementById('bar');
  var path = location.pathname.split('/');
  var token = path[1] === 'v' && path[2] ? decodeURIComponent(path[2]) : '';
  var store = window.localStorage;
  var KEY = 'ceping:' + token.slice(0, 16);
  var ballot = null;
  var state = { answers: {}, nonce: null };
  var waitTimer = null;
  var WAIT_MS = 10000;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.indexOf('on') === 0) e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== false && attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  /* Skips empty entries: a screen built from optional parts (a message or none) must never hand null to the DOM. */
  function show(nodes) {
    main.textContent = '';
    nodes.forEach(function (n) { if (n) main.appendChild(n); });
    window.scrollTo(0, 0);
  }
  function notice(text, ok) { return el('p', { class: ok ? 'notice ok' : 'notice', role: 'status', text: text }); }
  function save() { try { store.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: keep in memory */ } }
  function load() { try { var s = JSON.parse(store.getItem(KEY) || 'null'); if (s && s.answers) state = s; } catch (e) { /* ignore */ } }
  function forget() { try { store.removeItem(KEY); } catch (e) { /* ignore */ } }
  function randomNonce() {
    var a = new Uint8Array(18);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function stopWaiting() { if (waitTimer) clearTimeout(waitTimer); waitTimer = null; }

  function codeEntry(message) {
    bar.hidden = true;
    var input = el('input', { type: 'text', id: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', inputmode: 'text', maxlength: '20', placeholder: 'XXXX-XXXX-XXXX', 'aria-describedby': 'code-help' });
    show([
      el('h1', { text: '民主测评' }),
      message ? notice(message) : null,
      el('form', { class: 'code-entry', onsubmit: function (ev) {
        ev.preventDefault();
        var code = input.value.replace(/[\s-]/g, '').toUpperCase();
        if (code.length < 12) { input.focus(); return; }
        location.href = '/v/' + encodeURIComponent(code);
      } }, [
        el('label', { for: 'code', text: '请输入测评票上的 12 位票码' }),
        el('p', { class: 'help', id: 'code-help', text: '扫码失败时使用。字母不区分大小写，短横线可不输入。' }),
        input,
        el('button', { type: 'submit', text: '进入测评' })
      ])
    ]);
  }

  var ERRORS = { TOKEN_UNKNOWN: '未找到该测评票，请核对票码或重新扫码。', RATE_LIMITED: '尝试次数过多，请稍后再试。' };

  function fail(res, body) {
    var code = body && body.error ? body.error.code : '';
    var msg = body && body.error ? body.error.message : '加载失败，请稍后重试。';
    if (code === 'TOKEN_UNKNOWN' && !/^[A-Za-z0-9_-]{43}$/.test(token)) return codeEntry(ERRORS.TOKEN_UNKNOWN);
    if (code === 'MEETING_NOT_OPEN') return waiting(body.error);
    bar.hidden = true;
    show([el('h1', { text: '民主测评' }), notice(ERRORS[code] || msg)]);
  }

  /* Before the poll opens: name the meeting and look again every ten seconds, so nobody has to reload. */
  function waiting(err) {
    bar.hidden = true;
    var d = err.details || {};
    var m = d.meeting || null;
    var closed = d.status === 'closed';
    show([
      el('h1', { text: m ? m.title : '民主测评' }),
      m ? el('p', { class: 'unit', text: m.unit }) : null,
      notice(closed ? err.message : '测评尚未开始。工作人员宣布开始后，本页会自动进入测评票，无需重新扫码。'),
      closed ? null : el('p', { class: 'help', id: 'waiting', role: 'status', text: '正在等待开始，每 10 秒自动查看一次……' }),
      closed ? null : el('button', { type: 'button', class: 'secondary', text: '立即刷新', onclick: start })
    ]);
    if (!closed) waitTimer = setTimeout(start, WAIT_MS);
  }

  function start() {
    stopWaiting();
    if (!token) return codeEntry('');
    load();
    if (state.submitted) { bar.hidden = true; return show([el('h1', { text: '民主测评' }), notice('您的选票已成功提交并计入，感谢您的参与。', true)]); }
    fetch('/api/ballot/' + encodeURIComponent(token), { credentials: 'omit', cache: 'no-store' }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) {
          if (state.nonce && body.error && body.error.code === 'TOKEN_USED') return submit();
          return fail(res, body);
        }
        ballot = body;
        render();
      });
    }).catch(function () {
      show([el('h1', { text: '民主测评' }), notice('网络连接失败，请检查网络后重试。'), el('button', { type: 'button', text: '重试', onclick: start })]);
    });
  }

  /* Every answerable unit: one per (form, question, subject) for graded questions, one per question else. */
  function units() {
    var out = [];
    ballot.forms.forEach(function (f) {
      f.questions.forEach(function (q) {
        if (q.type === 'graded' && q.subjects) q.subjects.forEach(function (s) { out.push({ f: f.id, q: q, s: s.id }); });
        else out.push({ f: f.id, q: q, s: null });
      });
    });
    return out;
  }
  function answerOf(u) {
    var fa = state.answers[u.f] || {};
    var a = fa[u.q.id];
    if (u.s) return a ? a[u.s] : undefined;
    return a;
  }
  function answered(u) {
    var a = answerOf(u);
    if (a === undefined || a === null || a === '') return false;
    if (Array.isArray(a)) return a.length > 0;
    if (typeof a === 'object' && a.options) return a.options.length + a.writeIns.filter(function (w) { return w.trim(); }).length > 0;
    return true;
  }
  function unitKey(u) { return [u.f, u.q.id].concat(u.s ? [u.s] : []).join('|'); }
  function setAnswer(f, q, s, value) {
    var fa = state.answers[f] = state.answers[f] || {};
    if (s) { fa[q] = fa[q] || {}; fa[q][s] = value; } else fa[q] = value;
    save();
    update();
  }

  var counters = [];
  function update() {
    var req = units().filter(function (u) { return u.q.required; });
    var done = req.filter(answered).length;
    document.getElementById('progress-text').textContent = '已完成 ' + done + ' / ' + req.length + ' 项必答';
    var p = document.getElementById('progress'); p.max = req.length || 1; p.value = done;
    counters.forEach(function (c) {
      var a = (state.answers[c.form] || {})[c.question] || {};
      var n = Object.keys(a).filter(function (k) { return a[k] === c.grade; }).length;
      c.node.textContent = '已评' + c.label + ' ' + n + ' 人，最多 ' + c.max + ' 人';
      c.node.className = n > c.max ? 'counter over' : 'counter';
    });
    Array.prototype.forEach.call(document.querySelectorAll('label.choice'), function (l) {
      var i = l.querySelector('input'); l.className = i.checked ? 'choice on' : 'choice';
    });
    Array.prototype.forEach.call(document.querySelectorAll('.row.missing'), function (r) {
      if (r.querySelector('input:checked')) r.classList.remove('missing');
    });
  }

  var uid = 0;
  function subjectName(s) { return s.name + (s.title ? '（' + s.title + '）' : ''); }

  /*
   * One row of the grid: who or what is rated, then one native radio per grade. The grade's name stays visible in
   * the cell; the screen reader hears person (or item) + criterion + grade from the radio's own label.
   */
  function gradeRow(key, who, whoSmall, spoken, scale, current, onchange, help, required) {
    var wid = 'w' + (++uid);
    var cells = scale.map(function (g) {
      return el('label', { class: 'choice' }, [
        el('input', { type: 'radio', name: key, value: g.value, checked: current === g.value, 'aria-label': spoken + ' · ' + g.label, onchange: function () { onchange(g.value); } }),
        el('span', { text: g.label, 'aria-hidden': 'true' })
      ]);
    });
    return el('div', { class: 'row', 'data-u': key }, [
      el('span', { class: 'who', id: wid }, [who, required ? el('span', { class: 'req', text: ' *', 'aria-label': '必答' }) : null, whoSmall ? el('small', { text: whoSmall }) : null]),
      el('div', { class: 'grades g' + scale.length, role: 'radiogroup', 'aria-labelledby': wid }, cells),
      help ? el('p', { class: 'help', text: help }) : null
    ]);
  }

  /* The header of a grid: what the rows are rated on, and the grade names over their columns; it stays in view. */
  function gridHead(title, required, scale, id) {
    return el('div', { class: 'mx-head' }, [
      el('span', { class: 'crit', id: id }, [title, required ? el('span', { class: 'req', text: ' *', 'aria-label': '必答' }) : null]),
      el('span', { class: 'cols g' + scale.length, 'aria-hidden': 'true' }, scale.map(function (g) { return el('span', { text: g.label }); }))
    ]);
  }

  /* A graded question with several subjects: the criterion in the header, one row per person. */
  function personGrid(f, q) {
    var id = 'q' + (++uid);
    var cur = (state.answers[f.id] || {})[q.id] || {};
    var head = gridHead(q.text, q.required, q.scale, id);
    f.rules.forEach(function (r) {
      r.questions.forEach(function (rq) {
        if (rq.questionId !== q.id) return;
        var g = q.scale.filter(function (x) { return x.value === r.grade; })[0];
        var node = el('p', { class: 'counter', 'aria-live': 'polite' });
        counters.push({ form: f.id, question: q.id, grade: r.grade, label: g ? g.label : r.grade, max: rq.maxCount, node: node });
        head.appendChild(node);
      });
    });
    var box = el('div', { class: 'mx', role: 'group', 'aria-labelledby': id }, [head, q.help ? el('p', { class: 'help lead', text: q.help }) : null]);
    q.subjects.forEach(function (s) {
      box.appendChild(gradeRow(f.id + '|' + q.id + '|' + s.id, s.name, s.title, s.name + ' · ' + q.text, q.scale, cur[s.id], function (v) { setAnswer(f.id, q.id, s.id, v); }));
    });
    return box;
  }

  /* Graded questions on one subject (or none) in a run: one row per criterion, as the paper form prints them. */
  function itemGrid(f, run) {
    var first = run[0];
    var subject = first.subjects ? first.subjects[0] : null;
    var id = 'q' + (++uid);
    var box = el('div', { class: 'mx', role: 'group', 'aria-labelledby': id }, [gridHead(subject ? subjectName(subject) : '评价内容', false, first.scale, id)]);
    run.forEach(function (q) {
      var a = (state.answers[f.id] || {})[q.id];
      if (subject) box.appendChild(gradeRow(f.id + '|' + q.id + '|' + subject.id, q.text, null, subject.name + ' · ' + q.text, q.scale, a ? a[subject.id] : undefined, function (v) { setAnswer(f.id, q.id, subject.id, v); }, q.help, q.required));
      else box.appendChild(gradeRow(f.id + '|' + q.id, q.text, null, q.text, q.scale, a, function (v) { setAnswer(f.id, q.id, null, v); }, q.help, q.required));
    });
    return box;
  }

  function oneSubject(q) { return q.type === 'graded' && (!q.subjects || q.subjects.length === 1); }
  function sameRun(a, b) {
    var sa = a.subjects ? a.subjects[0].id : '', sb = b.subjects ? b.subjects[0].id : '';
    return sa === sb && a.scale.map(function (g) { return g.value; }).join() === b.scale.map(function (g) { return g.value; }).join();
  }

  function otherQuestion(f, q) {
    var id = 'q' + (++uid);
    var title = el('legend', { id: id }, [q.text, q.required ? el('span', { class: 'req', text: ' *', 'aria-label': '必答' }) : null]);
    var help = q.help ? el('p', { class: 'help', text: q.help }) : null;
    var cur = (state.answers[f.id] || {})[q.id];
    if (q.type === 'single') {
      return el('fieldset', { 'data-u': f.id + '|' + q.id, class: 'row' }, [title, help, el('div', { class: 'opts', role: 'radiogroup', 'aria-labelledby': id }, q.options.map(function (o) {
        return el('label', { class: 'choice' }, [el('input', { type: 'radio', name: f.id + '|' + q.id, value: o.value, checked: cur === o.value, onchange: function () { setAnswer(f.id, q.id, null, o.value); } }), o.label]);
      }))]);
    }
    if (q.type === 'multiple' || q.type === 'nomination') {
      var isNom = q.type === 'nomination';
      var max = isNom ? q.maxNominations : q.maxChoices;
      var val = cur || (isNom ? { options: [], writeIns: [] } : []);
      var chosen = isNom ? val.options : val;
      var limit = el('p', { class: 'counter over', role: 'alert' });
      var fs = el('fieldset', { 'data-u': f.id + '|' + q.id, class: 'row' }, [title, help, max ? el('p', { class: 'help', text: '最多选择 ' + max + ' 项' }) : null, limit]);
      var opts = el('div', { class: 'opts' });
      q.options.forEach(function (o) {
        opts.appendChild(el('label', { class: 'choice' }, [el('input', { type: 'checkbox', value: o.value, checked: chosen.indexOf(o.value) >= 0, onchange: function (ev) {
          var list2 = chosen.filter(function (v) { return v !== o.value; });
          if (ev.target.checked) list2.push(o.value);
          var writeCount = isNom ? val.writeIns.filter(function (w) { return w.trim(); }).length : 0;
          if (max && list2.length + writeCount > max) { ev.target.checked = false; limit.textContent = '最多选择 ' + max + ' 项，请先取消其他选项。'; return; }
          limit.textContent = '';
          chosen = list2;
          if (isNom) { val.options = list2; setAnswer(f.id, q.id, null, { options: val.options, writeIns: val.writeIns }); } else setAnswer(f.id, q.id, null, list2);
        } }), o.label]));
      });
      fs.appendChild(opts);
      if (isNom && q.allowWriteIn) {
        var w = el('input', { type: 'text', maxlength: '200', value: val.writeIns.join('、'), 'aria-label': '另行推荐人选（多人用顿号分隔）', placeholder: '另行推荐人选，多人用顿号分隔' });
        w.addEventListener('input', function () {
          val.writeIns = w.value.split(/[、,，;；\n]+/).map(function (x) { return x.trim(); }).filter(function (x) { return x; });
          setAnswer(f.id, q.id, null, { options: val.options, writeIns: val.writeIns });
        });
        fs.appendChild(w);
      }
      return fs;
    }
    var ta = el('textarea', { maxlength: String(q.maxLength), 'aria-labelledby': id, rows: '3' });
    ta.value = cur || '';
    ta.addEventListener('input', function () { setAnswer(f.id, q.id, null, ta.value); });
    return el('fieldset', { 'data-u': f.id + '|' + q.id, class: 'row' }, [title, help, ta]);
  }

  function formNodes(f) {
    var nodes = [el('h2', { text: f.title })];
    if (f.description) nodes.push(el('p', { class: 'help', text: f.description }));
    var qs = f.questions;
    for (var i = 0; i < qs.length; i++) {
      var q = qs[i];
      if (q.section) nodes.push(el('h3', { text: q.section }));
      if (oneSubject(q)) {
        var run = [q];
        while (i + 1 < qs.length && oneSubject(qs[i + 1]) && !qs[i + 1].section && sameRun(q, qs[i + 1])) run.push(qs[++i]);
        nodes.push(itemGrid(f, run));
      } else if (q.type === 'graded') nodes.push(personGrid(f, q));
      else nodes.push(otherQuestion(f, q));
    }
    return nodes;
  }

  function render() {
    counters = [];
    var nodes = [el('h1', { text: ballot.meeting.title }), el('p', { class: 'unit', text: ballot.meeting.unit + (ballot.category ? ' · ' + ballot.category.label : '') }),
      notice('本次测评无记名。每行选一个等次，全部填写后提交；提交后不能修改。')];
    ballot.forms.forEach(function (f) { formNodes(f).forEach(function (n) { nodes.push(n); }); });
    nodes.push(el('div', { id: 'problems', class: 'problems', role: 'alert' }));
    nodes.push(el('button', { type: 'button', id: 'review', text: '检查并提交', onclick: review }));
    bar.hidden = false;
    show(nodes);
    update();
  }

  /* Marks every missing item, says how many, and takes the voter to the first one (scrolled to and focused). */
  function markMissing(missing) {
    Array.prototype.forEach.call(document.querySelectorAll('.missing'), function (n) { n.classList.remove('missing'); });
    var first = null;
    missing.forEach(function (u) {
      var n = document.querySelector('[data-u="' + unitKey(u) + '"]');
      if (n) { n.classList.add('missing'); if (!first) first = n; }
    });
    if (missing.length) document.getElementById('progress-text').textContent = '还有 ' + missing.length + ' 项未填写，已跳到第一项';
    return first;
  }
  function jumpTo(node) {
    node.scrollIntoView({ block: 'center' });
    var focusable = node.querySelector('input, textarea');
    if (focusable) focusable.focus({ preventScroll: true });
  }

  function review() {
    var missing = units().filter(function (u) { return u.q.required && !answered(u); });
    var over = counters.filter(function (c) { return c.node.className.indexOf('over') >= 0; });
    var box = document.getElementById('problems');
    box.textContent = '';
    var first = markMissing(missing);
    if (missing.length || over.length) {
      if (missing.length) box.appendChild(el('p', { text: '还有 ' + missing.length + ' 项必答未填写，已用黄框标出。' }));
      over.forEach(function (c) { box.appendChild(el('p', { text: c.node.textContent + '，请调整。' })); });
      var target = first || (over[0] && over[0].node.parentNode);
      if (target) jumpTo(target);
      return;
    }
    bar.hidden = true;
    show([el('h1', { text: '确认提交' }), notice('您已填写全部必答项。请核对下面每个人的评价；选票提交后不能修改，也无法查看。'), summary(),
      el('button', { type: 'button', id: 'confirm', text: '确认提交', onclick: submit }),
      el('button', { type: 'button', class: 'secondary', text: '返回修改', onclick: render })]);
  }

  function labelOf(list, v) {
    var g = (list || []).filter(function (x) { return x.value === v; })[0];
    return g ? g.label : v;
  }

  /* Per form, per person (or item): the marks given, grouped by grade, so a wrong tap is easy to see. */
  function summary() {
    var wrap = el('div', { class: 'summary' });
    ballot.forms.forEach(function (f) {
      var rows = [], byWho = {};
      function mark(who, crit, grade) {
        if (!byWho[who]) { byWho[who] = { who: who, grades: [], items: {} }; rows.push(byWho[who]); }
        var r = byWho[who];
        if (!r.items[grade]) { r.items[grade] = []; r.grades.push(grade); }
        r.items[grade].push(crit);
      }
      var others = [];
      f.questions.forEach(function (q) {
        var a = (state.answers[f.id] || {})[q.id];
        if (q.type === 'graded') {
          if (q.subjects) q.subjects.forEach(function (s) {
            if (a && a[s.id]) mark(q.subjects.length === 1 ? s.name : subjectName(s), q.text, labelOf(q.scale, a[s.id]));
          });
          else if (a) mark('总体评价', q.text, labelOf(q.scale, a));
        } else if (q.type === 'text') {
          others.push([q.text, a && a.trim() ? a.trim() : '（未填写）']);
        } else if (q.type === 'single') {
          others.push([q.text, a ? labelOf(q.options, a) : '（未选择）']);
        } else {
          var picked = q.type === 'nomination' ? (a ? a.options : []) : (a || []);
          var names = picked.map(function (v) { return labelOf(q.options, v); }).concat(q.type === 'nomination' && a ? a.writeIns : []);
          others.push([q.text, names.length ? names.join('、') : '（未选择）']);
        }
      });
      var dl = el('dl', {});
      rows.forEach(function (r) {
        dl.appendChild(el('dt', { text: r.who }));
        dl.appendChild(el('dd', { text: r.grades.map(function (g) { return g + '：' + r.items[g].join('、'); }).join('；') }));
      });
      others.forEach(function (o) { dl.appendChild(el('dt', { text: o[0] })); dl.appendChild(el('dd', { text: o[1] })); });
      wrap.appendChild(el('section', { class: 'sum-form' }, [el('h2', { text: f.title }), dl]));
    });
    return wrap;
  }

  function submit() {
    if (!state.nonce) { state.nonce = randomNonce(); save(); }
    show([el('h1', { text: '正在提交' }), notice('正在提交，请不要关闭本页……')]);
    fetch('/api/ballot/' + encodeURIComponent(token), {
      method: 'POST', credentials: 'omit', cache: 'no-store', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answers: state.answers, nonce: state.nonce })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.status === 201 || res.status === 200) {
          // Keep only the fact that this phone's ballot was counted; the choices are erased from the phone.
          state = { answers: {}, nonce: null, submitted: true }; save();
          bar.hidden = true;
          return show([el('h1', { text: '投票成功' }), notice(res.status === 200 ? '您的选票此前已成功提交并计入，感谢您的参与。' : '您的选票已成功提交并计入，感谢您的参与。', true)]);
        }
        if (res.status === 422 && ballot) {
          render();
          var box = document.getElementById('problems');
          (body.error.details || [{ message: body.error.message }]).forEach(function (d) { box.appendChild(el('p', { text: d.message })); });
          var first = markMissing(units().filter(function (u) { return u.q.required && !answered(u); }));
          return jumpTo(first || box);
        }
        forget();
        fail(res, body);
      });
    }).catch(function () {
      show([el('h1', { text: '网络异常' }), notice('提交时网络中断。您的选择已保存在本机，请检查网络后点击“重新提交”。如果选票其实已送达，系统会告诉您已计入，不会重复计票。'),
        el('button', { type: 'button', text: '重新提交', onclick: submit })]);
    });
  }

  start();
})();
