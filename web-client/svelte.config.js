// Svelte compiler options shared by Vite and svelte-check.
// Runes mode everywhere: no legacy `export let` components.
export default {
  compilerOptions: {
    runes: true,
  },
};
