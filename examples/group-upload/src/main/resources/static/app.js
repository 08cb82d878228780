// hakit group-upload page: uploads stream the File as the request body (XHR upload progress), downloads are plain
// links the browser streams to disk, the status panel polls /api/status every second.
'use strict';
const $ = (id) => document.getElementById(id);
let lastStatus = '';

function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + ' MiB';
  return (n / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
}

function message(text, error) {
  $('message').textContent = text;
  $('message').className = error ? 'error' : '';
}

function upload(file) {
  return new Promise((resolve) => {
    const target = $('target').value;
    const params = new URLSearchParams({ name: file.name });
    if (target.startsWith('group:')) params.set('group', target.substring(6));
    if (target.startsWith('storage:')) params.set('storage', target.substring(8));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/files?' + params);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    $('progress-box').hidden = false;
    $('progress-name').textContent = file.name + ' (' + fmtSize(file.size) + ')';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        $('progress').value = Math.round(100 * e.loaded / e.total);
        $('progress-text').textContent = fmtSize(e.loaded) + ' / ' + fmtSize(e.total);
      }
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = { error: xhr.responseText }; }
      if (xhr.status === 200) {
        message('uploaded ' + body.name + ' as ' + body.fileId);
        $('progress').value = 100;
      } else {
        message('upload failed (' + xhr.status + '): ' + body.error, true);
      }
      refreshUploads();
      resolve(body);
    };
    xhr.onerror = () => { message('upload failed: network error', true); resolve({}); };
    xhr.send(file);
  });
}

async function uploadAll(files) {
  for (const f of files) {
    await upload(f);
  }
}

async function refreshUploads() {
  const list = await (await fetch('/api/files')).json();
  const body = $('uploads').querySelector('tbody');
  body.innerHTML = '';
  for (const u of list) {
    const tr = document.createElement('tr');
    tr.dataset.fileId = u.fileId;
    const id = encodeURIComponent(u.fileId);
    tr.innerHTML = '<td class="file-id"><code></code></td><td class="name"></td><td>' + fmtSize(u.size) + '</td>'
      + '<td class="target"></td><td class="source"></td>'
      + '<td><a class="via-storage" href="/api/download?via=storage&id=' + id + '">storage</a> · '
      + '<a class="via-http" href="/api/download?via=http&id=' + id + '">HTTP</a> · '
      + '<button class="meta">metadata</button></td>';
    tr.querySelector('code').textContent = u.fileId;
    tr.querySelector('.name').textContent = u.name;
    tr.querySelector('.target').textContent = u.target;
    tr.querySelector('.source').textContent = u.sourceIp;
    tr.querySelector('.meta').onclick = async () => {
      const m = await (await fetch('/api/meta?id=' + id)).json();
      $('meta').hidden = false;
      $('meta').textContent = JSON.stringify(m, null, 2);
    };
    body.appendChild(tr);
  }
}

async function refreshStatus() {
  let s;
  try {
    s = await (await fetch('/api/status')).json();
  } catch (e) {
    $('status-time').textContent = 'app not answering';
    return;
  }
  $('status-time').textContent = new Date().toLocaleTimeString();
  const key = JSON.stringify(s);
  if (key === lastStatus) return; // redraw only what changed
  lastStatus = key;
  $('mode').textContent = s.embedded ? 'embedded testkit cluster, web servers: ' + s.webServers : 'real cluster';
  $('answered-by').textContent = s.answeredBy ? '(as tracker ' + s.answeredBy + ' reports them)' : (s.error || '');
  const tb = $('trackers').querySelector('tbody');
  tb.innerHTML = '';
  s.trackers.forEach((t, i) => {
    const tr = document.createElement('tr');
    tr.dataset.tracker = t.address;
    tr.innerHTML = '<td></td><td class="state"></td><td>' + t.ok + '</td><td>' + t.failed + '</td><td></td>';
    tr.cells[0].textContent = t.address;
    tr.cells[1].textContent = t.status;
    tr.cells[1].className = 'state ' + (t.up ? 'state-UP' : 'state-down');
    if (s.embedded) {
      const b = document.createElement('button');
      b.className = 'tracker-' + (t.up ? 'stop' : 'start');
      b.dataset.index = i;
      b.textContent = t.up ? 'stop' : 'start';
      b.onclick = async () => { await fetch('/api/demo/trackers/' + i + '/' + (t.up ? 'stop' : 'start'), { method: 'POST' }); };
      tr.cells[4].appendChild(b);
    }
    tb.appendChild(tr);
  });
  const web = {};
  for (const [group, eps] of Object.entries(s.http || {})) {
    web[group] = eps;
  }
  const sb = $('storages').querySelector('tbody');
  sb.innerHTML = '';
  const target = $('target');
  const known = new Set(Array.from(target.options).map((o) => o.value));
  for (const g of s.groups) {
    if (!known.has('group:' + g.name)) target.add(new Option('group ' + g.name, 'group:' + g.name));
    g.storages.forEach((st, i) => {
      if (!known.has('storage:' + st.address)) target.add(new Option('storage ' + st.address + ' (' + g.name + ')', 'storage:' + st.address));
      const w = (web[g.name] || [])[i];
      const tr = document.createElement('tr');
      tr.innerHTML = '<td></td><td></td><td></td><td></td>';
      tr.cells[0].textContent = g.name;
      tr.cells[1].textContent = st.address;
      tr.cells[2].textContent = st.status;
      tr.cells[2].className = 'state-' + (st.status === 'ACTIVE' ? 'ACTIVE' : 'down');
      tr.cells[3].textContent = w ? w.address + ' ' + w.status : '-';
      sb.appendChild(tr);
    });
  }
}

const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  uploadAll(Array.from(e.dataTransfer.files));
});
$('file').addEventListener('change', (e) => { uploadAll(Array.from(e.target.files)); e.target.value = ''; });

refreshStatus();
refreshUploads();
setInterval(refreshStatus, 1000);
