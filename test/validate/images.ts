/**
 * deploy/images.env, the one place image names live (the Makefile includes it), and the checks
 * that the manifests use exactly those images: every Sluice container runs
 * <IMAGE_REGISTRY>/sluice-<name>:<IMAGE_TAG> for a <name> in IMAGES, its workload is named
 * sluice-<name>, every image is deployed, and third-party images are pinned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryFor } from './code-env.js';
import type { Reporter } from './model.js';
import type { Workload } from './workloads.js';

export interface ImagesFile {
  readonly registry: string;
  readonly tag: string;
  readonly names: readonly string[];
  readonly withModel: readonly string[];
  readonly platforms: readonly string[];
}

export const IMAGES_FILE = join('deploy', 'images.env');

/** Parses deploy/images.env (KEY=VALUE lines, # comments); undefined after reporting when unusable. */
export function readImagesFile(root: string, report: Reporter): ImagesFile | undefined {
  const file = join(root, IMAGES_FILE);
  if (!existsSync(file)) {
    report.error(IMAGES_FILE, 'missing: it names the images the manifests and the Makefile use');
    return undefined;
  }
  const vars = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) vars.set(m[1] ?? '', m[2] ?? '');
  }
  const list = (key: string) => (vars.get(key) ?? '').split(/[\s,]+/).filter(Boolean);
  const images: ImagesFile = {
    registry: vars.get('IMAGE_REGISTRY') ?? '',
    tag: vars.get('IMAGE_TAG') ?? '',
    names: list('IMAGES'),
    withModel: list('IMAGES_WITH_MODEL'),
    platforms: list('IMAGE_PLATFORMS'),
  };
  for (const key of ['IMAGE_REGISTRY', 'IMAGE_TAG', 'IMAGES', 'IMAGE_PLATFORMS']) {
    if (!vars.get(key)) report.error(IMAGES_FILE, `${key} is not set`);
  }
  for (const name of images.withModel) if (!images.names.includes(name)) report.error(IMAGES_FILE, `IMAGES_WITH_MODEL names ${name}, which is not in IMAGES`);
  return images;
}

export function imageRef(images: ImagesFile, name: string): string {
  return `${images.registry}/sluice-${name}:${images.tag}`;
}

/** The IMAGES name of a Sluice image reference, or undefined for a third-party image. */
export function sluiceImageName(images: ImagesFile, image: string): string | undefined {
  const prefix = `${images.registry}/sluice-`;
  if (!image.startsWith(prefix)) return undefined;
  return image.slice(prefix.length).replace(/[:@].*$/, '');
}

/** `name@sha256:<64 hex>`, the form kustomize's `images: digest` produces. */
export const DIGEST_REF = /@sha256:[0-9a-f]{64}$/;

/** A tag other than latest, or a digest. */
export function isPinned(image: string): boolean {
  return DIGEST_REF.test(image) || (/:[^/]+$/.test(image) && !image.endsWith(':latest'));
}

export function checkImages(workloads: readonly Workload[], images: ImagesFile, report: Reporter): void {
  const deployed = new Set<string>();
  for (const w of workloads) {
    const image = w.container.image;
    const name = sluiceImageName(images, image);
    if (name === undefined) {
      if (/sluice/.test(image)) report.error(w.subject, `image ${image} looks like a Sluice image but is not under ${images.registry} (${IMAGES_FILE})`);
      else if (!isPinned(image)) report.error(w.subject, `third-party image ${image} must be pinned to a tag or a digest`);
      continue;
    }
    if (!images.names.includes(name)) {
      report.error(w.subject, `image ${image}: sluice-${name} is not in IMAGES of ${IMAGES_FILE} (${images.names.join(' ')})`);
      continue;
    }
    deployed.add(name);
    // A digest (the production overlay's kustomize `images:` digest) replaces the tag.
    const byDigest = DIGEST_REF.test(image) && image.replace(DIGEST_REF, '') === `${images.registry}/sluice-${name}`;
    if (image !== imageRef(images, name) && !byDigest) report.error(w.subject, `image ${image} must be ${imageRef(images, name)} (${IMAGES_FILE}) or that image by digest`);
    if (w.owner.metadata.name !== `sluice-${name}`) report.error(w.subject, `runs image sluice-${name}, so it must be named sluice-${name}`);
  }
  for (const name of images.names) {
    if (!deployed.has(name)) report.error(IMAGES_FILE, `image sluice-${name} is not deployed by any workload`);
  }
}

/** Every image must have an entry the Dockerfile can build (file checks, not per overlay). */
export function checkImageEntries(images: ImagesFile, codeRoot: string, report: Reporter): void {
  for (const name of images.names) {
    const entry = entryFor(codeRoot, name);
    if (!existsSync(join(codeRoot, entry))) {
      report.warning(IMAGES_FILE, `image sluice-${name}: entry ${entry} does not exist yet, so the image cannot be built`);
    }
  }
}

/**
 * The Dockerfile builds what images.env promises: FUNCTION and MODEL arguments, the model stage
 * chosen by MODEL, the same entry rule as entryFor(), and a numeric non-root user (Kubernetes can
 * only verify runAsNonRoot for a numeric USER).
 */
export function checkDockerfile(codeRoot: string, report: Reporter): void {
  const file = join(codeRoot, 'Dockerfile');
  if (!existsSync(file)) {
    report.error('Dockerfile', 'missing: `make images` builds every image from it');
    return;
  }
  const text = readFileSync(file, 'utf8');
  const expectations: ReadonlyArray<[RegExp, string]> = [
    [/^ARG FUNCTION=/m, 'declares ARG FUNCTION (the image name of deploy/images.env)'],
    [/^ARG MODEL=none$/m, 'declares ARG MODEL=none (baked for IMAGES_WITH_MODEL)'],
    [/^FROM \S+ AS model-none$/m, 'has a model-none stage'],
    [/^FROM \S+ AS model-baked$/m, 'has a model-baked stage'],
    [/^FROM model-\$\{MODEL\} AS model$/m, 'selects the model stage with FROM model-${MODEL}'],
    [/dist\/functions\/\$\{FUNCTION\}\/server\.js[\s\S]*dist\/services\/\$\{FUNCTION\}\/main\.js/, 'picks functions/<f>/server.js, then services/<f>/main.js'],
    [/^USER [1-9]\d*(:\d+)?$/m, 'runs as a numeric non-root USER'],
  ];
  for (const [pattern, what] of expectations) if (!pattern.test(text)) report.error('Dockerfile', `must match the image contract: ${what}`);
}
