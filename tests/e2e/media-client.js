// A minimal browser client of phonghop's media signaling (docs/media-signaling.md), injected into
// a page of the server's origin by the e2e tests: one WebSocket to /ws, a publishing
// RTCPeerConnection (our offer) and a receiving one (the server's offers), trickled candidates,
// and getStats() summaries per publisher. Plain script: defines window.PhMedia.
(() => {
  class PhMedia {
    constructor(meetingId) {
      this.meetingId = meetingId;
      this.nextId = 1;
      this.waiting = new Map();
      this.events = [];
      this.listeners = [];
      this.peers = [];
      this.floor = null;
      this.streamOf = new Map(); // receiver track id -> publisher participant id
      this.offerChain = Promise.resolve();
      this.offers = 0;
      this.log = [];
    }

    connect() {
      return new Promise((resolve, reject) => {
        this.ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
        this.ws.onmessage = (e) => this.onMessage(JSON.parse(e.data));
        this.ws.onerror = () => reject(new Error('WebSocket error'));
        this.ws.onclose = () => { this.closed = true; };
        this.on((m) => m.type === 'welcome', resolve);
      });
    }

    on(pred, fn) {
      this.listeners.push({ pred, fn });
    }

    // The next message (already received or to come) that pred accepts.
    next(pred, timeoutMs = 10000) {
      const i = this.events.findIndex(pred);
      if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
        this.listeners.push({ pred, once: true, fn: (m) => { clearTimeout(t); resolve(m); } });
      });
    }

    onMessage(m) {
      if (m.id !== undefined && this.waiting.has(m.id)) {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w.resolve(m);
        return;
      }
      if (m.type === 'error' && m.ref !== undefined && this.waiting.has(m.ref)) {
        const w = this.waiting.get(m.ref);
        this.waiting.delete(m.ref);
        w.reject(Object.assign(new Error(`${m.code}: ${m.message}`), { code: m.code }));
        return;
      }
      if (m.type === 'media.peers') this.peers = m.peers;
      if (m.type === 'media.floor') this.floor = m;
      if (m.type === 'media.offer') {
        this.offerChain = this.offerChain.then(() => this.answerOffer(m)).catch((e) => this.log.push(`offer: ${e}`));
        return;
      }
      if (m.type === 'error') this.log.push(`error ${m.code}: ${m.message}`);
      let consumed = false;
      for (const l of [...this.listeners]) {
        if (l.pred(m)) {
          if (l.once) { this.listeners.splice(this.listeners.indexOf(l), 1); consumed = true; }
          l.fn(m);
          if (consumed) break;
        }
      }
      if (!consumed) this.events.push(m);
      if (this.events.length > 500) this.events.splice(0, 250);
    }

    send(msg) {
      this.ws.send(JSON.stringify({ meeting_id: this.meetingId, ...msg }));
    }

    request(msg) {
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        this.send({ ...msg, id });
      });
    }

    async join(extra = {}) {
      const r = await this.request({ type: 'media.join', ...extra });
      this.participantId = r.participant_id;
      this.role = r.role;
      this.iceServers = r.ice_servers;
      this.peers = r.peers;
      this.floor = r.floor;
      this.joinedSpeaker = r.speaker;
      return r;
    }

    // Publishes the fake camera and microphone; simulcast: three layers (rids q, h, f).
    async publish({ width = 640, height = 360, simulcast = false, audio = true, video = true } = {}) {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio, video: video ? { width, height, frameRate: 20 } : false,
      });
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      this.pub = pc;
      this.pubCandidates = [];
      this.pubReady = false;
      pc.onicecandidate = (e) => {
        const msg = { type: 'media.candidate', connection: 'publish', candidate: e.candidate ? e.candidate.candidate : null };
        if (this.pubReady) this.send(msg); else this.pubCandidates.push(msg);
      };
      for (const track of this.stream.getTracks()) {
        const init = { direction: 'sendonly', streams: [this.stream] };
        if (track.kind === 'video' && simulcast) {
          init.sendEncodings = [
            { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100000 },
            { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 300000 },
            { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 800000 },
          ];
        }
        const transceiver = pc.addTransceiver(track, init);
        if (track.kind === 'video') {
          // Keep each layer's size under CPU load, so what a subscriber receives tells the layer.
          const params = transceiver.sender.getParameters();
          params.degradationPreference = 'maintain-resolution';
          await transceiver.sender.setParameters(params).catch(() => {});
        }
      }
      await this.negotiatePublish();
    }

    // A new publishing connection in place of the old one (a new ICE agent and DTLS session):
    // what a client does when its connection failed and ICE cannot be restarted.
    async republish(opts) {
      this.pub.close();
      for (const t of this.stream.getTracks()) t.stop();
      return this.publish(opts);
    }

    async negotiatePublish(options = {}) {
      const pc = this.pub;
      const offer = await pc.createOffer(options);
      await pc.setLocalDescription(offer);
      const r = await this.request({ type: 'media.publish', sdp: pc.localDescription.sdp });
      this.pubReady = true;
      for (const c of this.pubCandidates.splice(0)) this.send(c);
      await pc.setRemoteDescription({ type: 'answer', sdp: r.sdp });
      return r;
    }

    // ICE restart of the publishing connection: new credentials in a new offer (RFC 8445 §9).
    async restartPublishIce() {
      this.pub.restartIce();
      return this.negotiatePublish({ iceRestart: true });
    }

    // ICE restart of the receiving connection: the server offers new credentials (the browser
    // cannot offer on a connection the server offers on).
    async restartSubscribeIce() {
      const before = this.offers;
      const r = await this.request({ type: 'media.ice_restart', connection: 'subscribe' });
      while (this.offers === before) await new Promise((res) => setTimeout(res, 50));
      return r;
    }

    async subscribe(publishers) {
      if (!this.sub) {
        const pc = new RTCPeerConnection({ iceServers: this.iceServers });
        this.sub = pc;
        this.subCandidates = [];
        this.subReady = false;
        pc.onicecandidate = (e) => {
          const msg = { type: 'media.candidate', connection: 'subscribe', candidate: e.candidate ? e.candidate.candidate : null };
          if (this.subReady) this.send(msg); else this.subCandidates.push(msg);
        };
        pc.ontrack = (e) => {
          const stream = e.streams[0];
          if (stream && /^p\d+$/.test(stream.id)) this.streamOf.set(e.track.id, Number(stream.id.slice(1)));
          // Play audio (muted elements still decode), so its bytes count as received.
          if (e.track.kind === 'audio') {
            const el = document.createElement('audio');
            el.srcObject = new MediaStream([e.track]);
            el.muted = true;
            el.play().catch(() => {});
            document.body.appendChild(el);
          }
        };
      }
      return this.request({ type: 'media.subscribe', ...(publishers ? { publishers } : {}) });
    }

    async answerOffer(m) {
      const pc = this.sub;
      await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await this.request({ type: 'media.answer', offer_id: m.offer_id, sdp: pc.localDescription.sdp });
      this.offers++;
      if (!this.subReady) {
        this.subReady = true;
        for (const c of this.subCandidates.splice(0)) this.send(c);
      }
    }

    view(publisher, width, height) {
      return this.request({ type: 'media.view', publisher, width, height });
    }

    async leave() {
      const r = await this.request({ type: 'media.leave' });
      this.closePeers();
      return r;
    }

    closePeers() {
      for (const pc of [this.pub, this.sub]) if (pc) pc.close();
      if (this.stream) for (const t of this.stream.getTracks()) t.stop();
      this.pub = this.sub = this.stream = null;
      this.streamOf.clear();
      this.offerChain = Promise.resolve();
    }

    // What this browser receives, per publisher: { [pid]: { audioBytes, videoBytes,
    // framesDecoded, frameWidth, frameHeight } }, plus the publishing connection's state.
    async summary() {
      const out = { receiving: {}, pubState: this.pub ? this.pub.iceConnectionState : null,
        subState: this.sub ? this.sub.iceConnectionState : null, log: this.log.slice(-10) };
      if (!this.sub) return out;
      const stats = await this.sub.getStats();
      stats.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        const pid = this.streamOf.get(s.trackIdentifier);
        if (!pid) return;
        const r = out.receiving[pid] || (out.receiving[pid] = { audioBytes: 0, videoBytes: 0, framesDecoded: 0, frameWidth: 0, frameHeight: 0 });
        if (s.kind === 'audio') r.audioBytes += s.bytesReceived || 0;
        else {
          r.videoBytes += s.bytesReceived || 0;
          r.framesDecoded += s.framesDecoded || 0;
          r.frameWidth = s.frameWidth || r.frameWidth;
          r.frameHeight = s.frameHeight || r.frameHeight;
        }
      });
      return out;
    }

    // For a failing test's message: every receiving transceiver and inbound stream.
    async debugReceiving() {
      if (!this.sub) return null;
      const inbound = [];
      let transportBytes = 0, inboundBytes = 0;
      (await this.sub.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp') {
          inbound.push([s.mid, s.kind, s.ssrc, s.trackIdentifier, s.bytesReceived, s.framesDecoded]);
          inboundBytes += s.bytesReceived + (s.headerBytesReceived || 0);
        }
        if (s.type === 'transport') transportBytes += s.bytesReceived;
      });
      inbound.push({ transportBytes, inboundBytes });
      return {
        transceivers: this.sub.getTransceivers().map((t) => [t.mid, t.direction, t.currentDirection, t.receiver.track.id, t.receiver.track.readyState, t.receiver.track.muted]),
        inbound, streamOf: [...this.streamOf],
      };
    }

    async publishSummary() {
      if (!this.pub) return null;
      const stats = await this.pub.getStats();
      const out = { layers: [] };
      stats.forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') out.layers.push({ rid: s.rid, frameWidth: s.frameWidth, bytesSent: s.bytesSent });
      });
      return out;
    }
  }
  window.PhMedia = PhMedia;
})();
