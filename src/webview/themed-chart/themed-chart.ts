// A canvas chart that rebuilds its configuration from the current VS Code theme.
//
// Chart.js is the chart library of the panel: canvas rendering stays smooth with 1,000 classes
// (an SVG chart would put thousands of nodes in the DOM), its tree-shakable registration keeps the
// bundle small (only the controllers below are bundled), and it is mature and maintained.
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement,
  ScatterController, Tooltip, type ChartConfiguration,
} from 'chart.js';
import { currentTheme, onThemeChange, type ChartTheme } from '../lib/theme';
import { errorBarsPlugin } from './error-bars-plugin';
import { pointLabelsPlugin } from './point-labels-plugin';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, ScatterController, CategoryScale, LinearScale, Tooltip, Legend,
  errorBarsPlugin, pointLabelsPlugin);

/** Builds a chart configuration for a theme. */
export type ChartFactory = (theme: ChartTheme) => ChartConfiguration;

/** `<themed-chart>`: draws `factory(theme)`, again on every factory change and theme switch. */
@customElement('themed-chart')
export class ThemedChart extends LitElement {
  static override styles = css`
    :host { display: block; position: relative; min-height: 180px; }
    canvas { display: block; }
  `;

  /** The configuration builder; assign a new function to redraw. */
  @property({ attribute: false }) factory: ChartFactory | null = null;
  /** Text alternative of the chart for screen readers. */
  @property() summary = '';

  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart | null = null;
  private stopWatching: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopWatching = onThemeChange(() => this.draw());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatching?.();
    this.chart?.destroy();
    this.chart = null;
  }

  protected override render() {
    return html`<canvas role="img" aria-label=${this.summary}></canvas>`;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('factory')) this.draw();
  }

  private draw(): void {
    if (!this.factory || !this.canvas) return;
    const config = this.factory(currentTheme());
    if (this.chart && (this.chart.config as { type?: string }).type === (config as { type?: string }).type) {
      // Updating in place keeps the canvas and avoids a flash on every live progress point.
      this.chart.data = config.data;
      this.chart.options = config.options ?? {};
      this.chart.update('none');
    } else {
      this.chart?.destroy();
      this.chart = new Chart(this.canvas, config);
    }
  }
}
