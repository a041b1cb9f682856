// Tributary realtime demo: Stream's browser client, @stream-io/feeds-client, against the local stack.
//
// Signing in fetches a user token from the local stack's dev-only token endpoint (/demo/token, served
// by scripts/lib/gateway.py; a real app mints tokens on its own backend) and connects the client with
// it. The page then watches two feeds (`user:<me>`, the user's own posts, and `timeline:<me>`, what the
// user follows) and renders each from the client's state store, so activities, likes and comments
// that arrive over the WebSocket show up without a reload.
//
// The client's base URL is this page's own origin: the API and /demo are served from one port, and
// the client opens its WebSocket on that same port (it only rewrites a literal `:3030` to `:8800`).

import { FeedsClient } from '@stream-io/feeds-client';

const $ = (id) => document.getElementById(id);
const USER_ID = /^[A-Za-z0-9@_-]{1,255}$/;

let client;
let me;
let own;
let timeline;
// How the timeline is read: watched, with the feeds it follows (state.following).
const TIMELINE_READ = { watch: true, following_pagination: { limit: 25 } };

/** A user token (and the API key) for `userId` from the dev token endpoint. */
async function fetchToken(userId) {
  const res = await fetch(`token?user_id=${encodeURIComponent(userId)}`, { cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`token endpoint: ${res.status} ${body.message ?? ''}`);
  return body;
}

function showError(err) {
  if (err) console.error(err);
  $('error').textContent = err ? `${err.message ?? err}` : '';
}

/** Runs an action of the UI, showing what went wrong if it failed; `button` is disabled meanwhile. */
async function attempt(action, button) {
  showError(null);
  if (button) button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(err);
  } finally {
    if (button) button.disabled = false;
  }
}

async function signIn(userId) {
  $('status').textContent = `Signing in as ${userId}…`;
  const { api_key: apiKey, token } = await fetchToken(userId);
  client = new FeedsClient(apiKey, { base_url: window.location.origin, timeout: 30_000 });
  // The first token comes from the fetch above; the client asks again when it has expired.
  let first = token;
  const tokenProvider = async () => {
    if (first) {
      const t = first;
      first = undefined;
      return t;
    }
    return (await fetchToken(userId)).token;
  };
  await client.connectUser({ id: userId, name: userId }, tokenProvider);

  // By default the client adds activities that arrive over the WebSocket to a feed's state only
  // when the connected user wrote them; a timeline shows everyone's.
  own = client.feed('user', userId);
  timeline = client.feed('timeline', userId, { onNewActivity: () => 'add-to-start' });
  own.state.subscribe((state) => renderFeed($('own'), $('own-empty'), own, state));
  timeline.state.subscribe((state) => {
    renderFeed($('timeline'), $('timeline-empty'), timeline, state);
    renderFollowing(state);
  });
  // `watch: true` subscribes this connection to the feed's events.
  await Promise.all([own.getOrCreate({ watch: true }), timeline.getOrCreate(TIMELINE_READ)]);
  me = userId;

  $('signin').hidden = true;
  $('app').hidden = false;
  $('own-fid').textContent = own.feed;
  $('timeline-fid').textContent = timeline.feed;
  client.state.subscribe(renderStatus); // called now, then on each change
  const url = new URL(window.location.href);
  url.searchParams.set('user', me);
  window.history.replaceState(null, '', url);
  document.body.dataset.signedIn = me;
}

function renderStatus(state) {
  const dot = document.createElement('span');
  dot.className = state.is_ws_connection_healthy ? 'live on' : 'live';
  dot.title = state.is_ws_connection_healthy ? 'WebSocket connected' : 'WebSocket not connected';
  const status = $('status');
  status.replaceChildren(dot, `Signed in as ${state.connected_user?.id ?? me}`);
}

function renderFollowing(state) {
  const targets = (state.following ?? []).map((f) => f.target_feed?.feed).filter(Boolean);
  $('following').textContent = targets.length ? `Following: ${targets.join(', ')}` : '';
}

/** Brings `list` in line with the feed's activities; each activity keeps its element (and so a
 *  half-typed comment) across updates. */
function renderFeed(list, empty, feed, state) {
  const activities = state.activities ?? [];
  empty.hidden = activities.length > 0;
  const keep = new Set(activities.map((a) => a.id));
  for (const item of [...list.children]) {
    if (!keep.has(item.dataset.id)) item.remove();
  }
  activities.forEach((activity, index) => {
    let item = list.querySelector(`:scope > li[data-id="${CSS.escape(activity.id)}"]`);
    if (!item) item = activityItem(activity.id, feed);
    updateItem(item, activity, state.comments_by_entity_id?.[activity.id]?.comments);
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
}

function activityItem(activityId, feed) {
  const item = document.createElement('li');
  item.dataset.id = activityId;
  item.innerHTML = `
    <div class="meta"></div>
    <div class="text"></div>
    <div class="actions">
      <button type="button" class="small like"></button>
      <form class="comment-form"><input type="text" placeholder="Comment…" required><button class="small">Comment</button></form>
    </div>
    <ul class="comments"></ul>`;
  const like = item.querySelector('.like');
  like.addEventListener('click', () =>
    attempt(async () => {
      const liked = item.dataset.liked === 'true';
      if (liked) await client.deleteActivityReaction({ activity_id: activityId, type: 'like' });
      else await client.addActivityReaction({ activity_id: activityId, type: 'like' });
    }, like),
  );
  const form = item.querySelector('.comment-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = form.querySelector('input');
    const text = input.value.trim();
    if (!text) return;
    attempt(async () => {
      // Load the activity's comments into the feed's state first, so the new one is listed too.
      if (!feed.currentState.comments_by_entity_id?.[activityId]) {
        await feed.loadNextPageActivityComments(activityId, { limit: 25 });
      }
      await client.addComment({ object_id: activityId, object_type: 'activity', comment: text });
      input.value = '';
    }, form.querySelector('button'));
  });
  return item;
}

function updateItem(item, activity, loadedComments) {
  const when = activity.created_at ? new Date(activity.created_at).toLocaleTimeString() : '';
  item.querySelector('.meta').textContent = `${activity.user?.name ?? activity.user?.id ?? '?'} · ${when}`;
  item.querySelector('.text').textContent = activity.text ?? `(${activity.type})`;
  const likes = activity.reaction_groups?.like?.count ?? 0;
  const liked = (activity.own_reactions ?? []).some((r) => r.type === 'like');
  item.dataset.liked = String(liked);
  const like = item.querySelector('.like');
  like.textContent = `♥ ${likes}`;
  like.classList.toggle('on', liked);
  like.title = liked ? 'Unlike' : 'Like';
  const comments = loadedComments ?? activity.comments ?? [];
  const shown = comments.map((c) => `${c.user?.id ?? '?'}: ${c.text ?? ''}`);
  const more = (activity.comment_count ?? 0) - comments.length;
  if (more > 0) shown.push(`… ${more} more comment${more === 1 ? '' : 's'}`);
  item.querySelector('.comments').replaceChildren(
    ...shown.map((line) => {
      const li = document.createElement('li');
      li.textContent = line;
      return li;
    }),
  );
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const userId = $('user-id').value.trim();
  if (!USER_ID.test(userId)) {
    showError(new Error('a user id is 1-255 letters, digits, @, _ or -'));
    return;
  }
  attempt(() => signIn(userId), $('signin-button')).finally(() => {
    if (!me) $('status').textContent = 'Not signed in.';
  });
});

$('post-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('post-text');
  const text = input.value.trim();
  if (!text) return;
  attempt(async () => {
    await own.addActivity({ type: 'post', text });
    input.value = '';
  }, event.submitter);
});

$('follow-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('follow-id');
  const other = input.value.trim();
  if (!other) return;
  attempt(async () => {
    await timeline.follow(`user:${other}`);
    input.value = '';
    // The follow copies the other user's recent activities into this timeline: read it again.
    await timeline.getOrCreate(TIMELINE_READ);
  }, event.submitter);
});

// `?user=alice` signs in right away.
const preset = new URLSearchParams(window.location.search).get('user');
if (preset) {
  $('user-id').value = preset;
  $('signin-form').requestSubmit();
}
