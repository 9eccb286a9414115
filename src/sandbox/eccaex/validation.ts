/** Body validation of the emulators (shared: src/sandbox/common/validation.ts). */
export * from '../common/validation';
