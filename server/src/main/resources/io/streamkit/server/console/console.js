// The StreamKit web console: plain JavaScript, no build step, nothing from a CDN. It reads GET /v1/topics every
// second, checks health with grpc.health.v1.Health/Check and publishes with streamkit.v1.StreamService/PublishEvent
// over Connect (JSON), and tails a topic over Server-Sent Events (GET /v1/events).
'use strict';

const $ = (id) => document.getElementById(id);
const tokenInput = $('token');
tokenInput.value = sessionStorage.getItem('streamkit-token') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('streamkit-token', tokenInput.value));

function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { Authorization: 'Bearer ' + token } : {};
}

/** A unary Connect call with JSON; resolves to the response message, rejects with the Connect error. */
async function connectCall(method, message) {
  const response = await fetch('/' + method, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Connect-Protocol-Version': '1', ...authHeaders() },
    body: JSON.stringify(message),
  });
  const body = await response.json().catch(() => ({ code: 'unknown', message: 'HTTP ' + response.status }));
  if (!response.ok) {
    throw body;
  }
  return body;
}

function describe(error) {
  const reason = (error.details || []).map((d) => d.debug && d.debug.reason).filter(Boolean)[0];
  return (error.code || 'error') + (reason ? ' ' + reason : '') + ': ' + (error.message || '');
}

// ---- health ----
async function refreshHealth() {
  const badge = $('health');
  try {
    const reply = await connectCall('grpc.health.v1.Health/Check', {});
    const serving = reply.status === 'SERVING';
    badge.textContent = 'health: ' + reply.status;
    badge.className = 'badge ' + (serving ? 'serving' : 'not-serving');
  } catch (e) {
    badge.textContent = 'health: ' + (e.code || 'unreachable');
    badge.className = 'badge unknown';
  }
}

// ---- topics and the deliveries chart ----
const rates = [];
let lastDelivered = null;
let lastAt = 0;

async function refreshTopics() {
  try {
    const response = await fetch('/v1/topics', { headers: authHeaders() });
    const status = await response.json();
    if (!response.ok) {
      throw status;
    }
    $('topics-error').hidden = true;
    const rows = status.topics.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.topic = t.topic;
      for (const value of [t.topic, t.epoch, t.lastOffset, t.subscribers]) {
        const td = document.createElement('td');
        td.textContent = value;
        tr.appendChild(td);
      }
      tr.addEventListener('click', () => startTail(t.topic));
      return tr;
    });
    document.querySelector('#topics tbody').replaceChildren(...rows);
    const now = performance.now();
    if (lastDelivered !== null) {
      const perSecond = Math.max(0, (status.delivered - lastDelivered) * 1000 / (now - lastAt));
      rates.push(perSecond);
      if (rates.length > 60) {
        rates.shift();
      }
      $('rate-now').textContent = perSecond.toFixed(0);
      drawRates();
    }
    lastDelivered = status.delivered;
    lastAt = now;
    $('published').textContent = status.published;
  } catch (e) {
    $('topics-error').textContent = 'topics: ' + describe(e);
    $('topics-error').hidden = false;
  }
}

function drawRates() {
  const canvas = $('rate');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1, ...rates);
  g.strokeStyle = '#3367d6';
  g.lineWidth = 2;
  g.beginPath();
  rates.forEach((r, i) => {
    const x = (i / 59) * (canvas.width - 4) + 2;
    const y = canvas.height - 4 - (r / max) * (canvas.height - 8);
    if (i === 0) {
      g.moveTo(x, y);
    } else {
      g.lineTo(x, y);
    }
  });
  g.stroke();
  g.fillStyle = '#5f6673';
  g.fillText('max ' + max.toFixed(0) + '/s', 6, 12);
}

// ---- live tail over Server-Sent Events ----
let tail = null;
const decoder = new TextDecoder();

function payloadText(base64) {
  const bytes = Uint8Array.from(atob(base64 || ''), (c) => c.charCodeAt(0));
  return decoder.decode(bytes);
}

function addTailLine(text, notice) {
  const list = $('tail-events');
  const li = document.createElement('li');
  li.textContent = text;
  if (notice) {
    li.className = 'notice';
  }
  list.appendChild(li);
  while (list.children.length > 200) {
    list.firstElementChild.remove();
  }
  list.scrollTop = list.scrollHeight;
}

function startTail(topic) {
  stopTail();
  $('tail-topic').value = topic;
  $('tail-events').replaceChildren();
  const params = new URLSearchParams({ topic });
  if ($('tail-earliest').checked) {
    params.set('lastEventID', 'earliest');
  }
  const token = tokenInput.value.trim();
  if (token) {
    params.set('access_token', token); // EventSource cannot send an Authorization header
  }
  tail = new EventSource('/v1/events?' + params);
  $('tail-state').textContent = 'connecting';
  $('tail-stop').disabled = false;
  tail.onopen = () => { $('tail-state').textContent = 'live'; };
  tail.onmessage = (m) => {
    const e = JSON.parse(m.data);
    addTailLine('#' + e.offset + ' ' + (e.publishedAt || '') + '  ' + payloadText(e.payload));
  };
  tail.addEventListener('gap', (m) => {
    const g = JSON.parse(m.data);
    addTailLine('gap: offsets ' + g.fromOffset + '..' + g.toOffset + ' are gone', true);
  });
  tail.addEventListener('reset', (m) => {
    const r = JSON.parse(m.data);
    addTailLine('reset: new epoch ' + r.epoch + ' (was ' + r.previousEpoch + ')', true);
  });
  tail.addEventListener('error', (m) => {
    if (m.data) {
      addTailLine('error: ' + describe(JSON.parse(m.data)), true);
    }
    $('tail-state').textContent = tail && tail.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
  });
}
function stopTail() {
  if (tail) {
    tail.close();
    tail = null;
  }
  $('tail-state').textContent = '';
  $('tail-stop').disabled = true;
}

$('tail-form').addEventListener('submit', (e) => {
  e.preventDefault();
  startTail($('tail-topic').value.trim());
});
$('tail-stop').addEventListener('click', stopTail);

// ---- publish ----
function base64Utf8(text) {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary);
}

$('publish-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const topic = $('publish-topic').value.trim();
  const result = $('publish-result');
  try {
    const ack = await connectCall('streamkit.v1.StreamService/PublishEvent',
      { topic, payload: base64Utf8($('publish-payload').value) });
    result.textContent = 'stored at offset ' + ack.lastOffsets[topic];
    result.className = 'note';
  } catch (error) {
    result.textContent = describe(error);
    result.className = 'error';
  }
});

refreshHealth();
refreshTopics();
setInterval(refreshHealth, 2000);
setInterval(refreshTopics, 1000);
