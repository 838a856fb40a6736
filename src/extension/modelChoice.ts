import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { LensSettings } from './settings';

/** The bundled demo model, shipped in the .vsix under models/demo. */
export function demoModelPath(extensionUri: vscode.Uri): string {
  return vscode.Uri.joinPath(extensionUri, 'models', 'demo', 'spurious-mnist.onnx').fsPath;
}

/** The configured model as an absolute path (relative paths resolve against the first workspace folder), or undefined. */
export function configuredModel(settings: LensSettings): string | undefined {
  const p = settings.modelPath.trim();
  if (!p) return undefined;
  if (isAbsolute(p)) return p;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? join(folder.uri.fsPath, p) : p;
}

/** Asks which model to use: the bundled demo model, an ONNX file, or how to convert the paper's model; saves the choice. */
export async function pickModel(extensionUri: vscode.Uri): Promise<string | undefined> {
  const items: Array<vscode.QuickPickItem & { id: 'demo' | 'file' | 'convert' }> = [
    { id: 'demo', label: '$(package) Use the bundled demo model', detail: 'A small CNN trained on the demo benchmark (spurious MNIST): try the workflow end to end.' },
    { id: 'file', label: '$(file-binary) Choose an ONNX file…', detail: 'Any image classifier with a final linear layer fed by global average pooling (torchvision, timm).' },
    { id: 'convert', label: '$(book) How to convert the paper\'s robust ResNet-50', detail: 'scripts/models/convert_robustness.py turns a robustness-library checkpoint into ONNX.' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Spuriosity Lens: which classifier?', placeHolder: 'No model is configured (spuriosityLens.modelPath)' });
  if (!choice) return undefined;
  let path: string | undefined;
  if (choice.id === 'demo') path = demoModelPath(extensionUri);
  if (choice.id === 'file') {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX model': ['onnx'] }, title: 'Choose an ONNX classifier' });
    path = picked?.[0]?.fsPath;
  }
  if (choice.id === 'convert') {
    const doc = vscode.Uri.joinPath(extensionUri, 'README.md');
    await vscode.commands.executeCommand('markdown.showPreview', doc);
    return undefined;
  }
  if (!path) return undefined;
  if (!existsSync(path)) {
    throw new Error(`Model file not found: ${path}`);
  }
  await vscode.workspace.getConfiguration('spuriosityLens').update('modelPath', path, vscode.ConfigurationTarget.Global);
  return path;
}
