export * from './backbones.js';
