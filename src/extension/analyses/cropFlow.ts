// Core crops from the panel: one image's crop for the detail view, "re-check on core crops" for a class, and
// exports to a folder the user picks outside the dataset. The model work runs in one child process per run (engineClient).
import * as vscode from 'vscode';
import { gapHighEnd } from '../../core/gap';
import { analyzeCrops, type CropOptions, type CropProgress, type CropReport } from '../../engine/api/analyses';
import type { CropRecheck, HostToWebview } from '../../shared/protocol';
import { cropRunner } from '../engineClient';
import { cropRecheckView, cropView } from '../panel/analysisViews';
import { readSettings } from '../settings';
import type { PanelJobs } from './panelJobs';
import { insideDataset } from './insideDataset';
import type { CropTarget } from './target';


function progressText(p: CropProgress): { message: string; fraction?: number } {
  const what = p.phase === 'maps' ? 'heatmaps' : p.phase === 'crops' ? 'classifying crops' : 'done';
  // One count covers both parts (a heatmap and a crop per image), so a raw done / total would read as twice the images.
  const fraction = p.phase === 'done' ? 1 : p.total ? p.done / p.total : 0;
  return { message: `${what} (${Math.round(fraction * 100)}%)`, fraction };
}

/** Runs the crop analysis (its model work in a child process) with the user's thread and pixel settings. */
function analyze(context: vscode.ExtensionContext, t: CropTarget, o: Omit<CropOptions, 'cacheDir'>): Promise<CropReport> {
  const settings = readSettings();
  return analyzeCrops(t.session, { threads: settings.threads || undefined, pixelLimit: settings.pixelLimit, cacheDir: t.cacheDir, ...o }, cropRunner(context));
}

/** One image's crop for the detail view; clicks in quick succession compute only the newest image. */
export class ImageCrops {
  private busy = false;
  private next: string | null = null;

  constructor(private readonly context: vscode.ExtensionContext, private readonly target: () => CropTarget | undefined,
    private readonly post: (m: HostToWebview) => void, private readonly log: vscode.LogOutputChannel) {}

  /** Queues the crop of an image (a newer request replaces one still waiting). */
  request(id: string): void {
    this.next = id;
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.next !== null) {
        const id = this.next;
        this.next = null;
        const t = this.target();
        if (!t) return;
        try {
          const r = await analyze(this.context, t, { scope: 'images', images: [id] });
          const cls = r.classes[0];
          const img = cls?.images.find((i) => i.image === id);
          if (!cls || !img) {
            this.post({ type: 'imageCrop', id, crop: null, note: cls?.noCropReason ?? r.failures[0]?.message ?? 'No core crop for this image.' });
          } else {
            this.post({ type: 'imageCrop', id, crop: cropView(img, cls), note: cls.noCropReason });
          }
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          this.log.warn(`Core crop of ${id} failed: ${message}`);
          this.post({ type: 'imageCrop', id, crop: null, note: `The core crop could not be computed: ${message}` });
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

/**
 * "Re-check on core crops": the class's highest-spuriosity validation images (as many as the gap uses) classified
 * on their crops. Negative-gap classes use the engine's recheck scope; another class the same images by id.
 */
export async function recheckClass(context: vscode.ExtensionContext, jobs: PanelJobs, t: CropTarget, className: string,
  thumb: (id: string) => Promise<string>, log: vscode.LogOutputChannel): Promise<CropRecheck | undefined> {
  const s = t.session;
  const cls = s.classId(className);
  if (cls === undefined) throw new Error(`No class "${className}" in the ranked dataset.`);
  const negative = s.gaps.classes.some((g) => g.cls === cls && g.negative);
  const ranking = s.spuriosity.rankings[cls];
  if (!negative && !ranking) throw new Error(`${className} has no spuriosity ranking (no feature labeled spurious), so it has no high-spuriosity images to re-check.`);
  const options: Omit<CropOptions, 'cacheDir'> = negative
    ? { scope: 'recheck', classes: [className] }
    : { scope: 'images', images: gapHighEnd(ranking!.val, s.options.gapK).map((i) => s.entries[i].rel) };
  const report = await jobs.run('crops', { class: className }, `Spuriosity Lens: re-checking ${className} on core crops`,
    (report, signal) => analyze(context, t, { ...options, signal, onProgress: (p) => report(progressText(p)) }));
  if (!report) return undefined;
  for (const f of report.failures) log.warn(`Core crop of ${f.image} failed: ${f.reason}: ${f.message}`);
  const c = report.classes.find((x) => x.name === className);
  if (!c) throw new Error(`The crop report has no entry for ${className}.`);
  const uris = new Map<string, string>();
  await Promise.all(c.images.map(async (im) => uris.set(im.image, await thumb(im.image))));
  return cropRecheckView(c, (id) => uris.get(id) ?? '');
}

/** Asks for a folder outside the dataset (and whether to write crop images or only the manifest), then exports the classes' crops. */
export async function exportCrops(context: vscode.ExtensionContext, jobs: PanelJobs, t: CropTarget, classes: string[], log: vscode.LogOutputChannel): Promise<void> {
  let dir: string | undefined;
  for (;;) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export Here',
      title: `Export core crops of ${classes.length === 1 ? classes[0] : `${classes.length} classes`} to a folder outside the dataset`,
    });
    dir = picked?.[0]?.fsPath;
    if (!dir) return;
    if (!insideDataset(dir, t.root)) break;
    const again = await vscode.window.showWarningMessage(
      `Spuriosity Lens: ${dir} is inside the dataset (${t.root}); crops written there would become dataset images. Choose a folder outside it.`, 'Choose Another Folder');
    if (!again) return;
  }
  const kind = await vscode.window.showQuickPick([
    { label: 'Crop images and a manifest', detail: 'One image file per crop (full resolution, cut from the original) plus crop-manifest.json', manifestOnly: false },
    { label: 'Manifest of boxes only', detail: 'crop-manifest.json with each box in original pixels, its reliability and both predictions', manifestOnly: true },
  ], { title: 'Spuriosity Lens: what to export?' });
  if (!kind) return;
  const report = await jobs.run('crops', classes.length === 1 ? { class: classes[0] } : {}, 'Spuriosity Lens: exporting core crops',
    (report, signal) => analyze(context, t, { scope: 'class', classes, exportDir: dir, manifestOnly: kind.manifestOnly, signal,
      onProgress: (p) => { const r = progressText(p); report({ ...r, message: `exporting: ${r.message}` }); } }));
  if (!report?.export) return;
  for (const f of report.failures) log.warn(`Core crop of ${f.image} failed: ${f.reason}: ${f.message}`);
  const e = report.export;
  const failed = report.failures.length ? `; ${report.failures.length} image(s) could not be cropped (see the log)` : '';
  const a = await vscode.window.showInformationMessage(`Spuriosity Lens: wrote ${e.files} crop file(s) and ${e.manifest}${failed}.`, 'Reveal Folder');
  if (a) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(e.dir));
}
