// The engine's files inside the extension package, loaded with runtime.getURL — never a CDN.
import type { EngineAssets } from '../engine/types';

export function extensionAssets(): EngineAssets {
  return {
    mediapipeWasmBase: chrome.runtime.getURL('vendor/mediapipe'),
    faceLandmarkerUrl: chrome.runtime.getURL('models/face_landmarker.task'),
    tfWasmBase: chrome.runtime.getURL('vendor/tfjs/'),
    embeddedModelBase: chrome.runtime.getURL('models/embedded'),
    landmarkerWorkerUrl: chrome.runtime.getURL('engine/landmarker-worker.js'),
    modelWorkerUrl: chrome.runtime.getURL('engine/model-worker.js'),
  };
}
