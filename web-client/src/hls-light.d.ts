// hls.js's light build (no subtitles, alternate audio or DRM: what the live stream does not use)
// has the same API as the full one, whose types it ships without: they are the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
