/**
 * One self-contained HTML page (no external assets, no network) for a security analyst: summary,
 * a sortable and filterable endpoint table (risk, auth, documentation status, sensitive), a detail
 * panel per endpoint with its risk factors, the overflow buckets and orphan operations.
 *
 * Paths and hosts come from attackers: the data travels as JSON inside a `<script type=
 * "application/json">` with `<` escaped, and the page writes it with textContent only, never innerHTML.
 */
import type { InventoryReport } from '../report/inventory-report';

export function inventoryHtml(report: InventoryReport): string {
  const data = JSON.stringify(report)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Vigil API inventory</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>API inventory</h1><p id="generated"></p></header>
<section id="summary" class="cards"></section>
<section class="filters" aria-label="Filters">
  <input id="f-text" type="search" placeholder="Filter host, method or path" aria-label="Filter text">
  <label>Documentation <select id="f-doc"><option value="">any</option><option>documented</option><option>shadow</option><option>zombie</option></select></label>
  <label>Auth <select id="f-auth"><option value="">any</option><option>consistent</option><option>partial</option><option>missing</option></select></label>
  <label>Exposure <select id="f-exp"><option value="">any</option><option>public</option><option>partner</option><option>private</option></select></label>
  <label><input id="f-sens" type="checkbox"> sensitive only</label>
  <label>Min risk <input id="f-risk" type="number" min="0" max="10" step="0.5" value="0"></label>
  <span id="count"></span>
</section>
<main>
<table id="endpoints">
<thead><tr>
  <th data-key="risk" aria-sort="descending">Risk</th><th data-key="method">Method</th><th data-key="host">Host</th>
  <th data-key="template">Template</th><th data-key="requests">Requests</th><th data-key="clients">Clients</th>
  <th data-key="auth">Auth</th><th data-key="exposure">Exposure</th><th data-key="doc">Docs</th>
  <th data-key="sensitive">Sensitive</th><th data-key="change">Change</th>
</tr></thead>
<tbody></tbody>
</table>
<aside id="detail" hidden><button id="close" type="button" aria-label="Close detail">×</button><div id="detail-body"></div></aside>
</main>
<section><h2>Overflow</h2><p class="note">Requests kept out of the inventory: never answered by a route (404/405/501) or over the per-host template cap.</p><div id="overflow"></div></section>
<section><h2>Orphan operations</h2><p class="note">In a spec, never called in this window.</p><div id="orphans"></div></section>
<section><h2>Free-string slots</h2><p class="note">Literal positions turned into {str} on evidence.</p><div id="promotions"></div></section>
<script id="inventory-data" type="application/json">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
:root{--bg:#f6f7f9;--fg:#1b1f24;--muted:#5b6470;--line:#d9dde3;--hi:#b42318;--mid:#b54708;--lo:#067647}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:16px 24px;background:#101828;color:#fff}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#cbd5e1}
section,main{padding:8px 24px}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center}.filters input[type=search]{min-width:260px;padding:4px 8px}
main{display:flex;gap:16px;align-items:flex-start}table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;white-space:nowrap}th{cursor:pointer;user-select:none;background:#eef0f3;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}tbody tr{cursor:pointer}tbody tr:hover{background:#f0f4ff}tbody tr.sel{background:#dbe6ff}
td.tpl{font-family:ui-monospace,Menlo,monospace;white-space:normal;word-break:break-all}
.risk{font-weight:600;border-radius:4px;padding:0 6px;color:#fff}.r-hi{background:var(--hi)}.r-mid{background:var(--mid)}.r-lo{background:var(--lo)}
.tag{display:inline-block;border-radius:3px;padding:0 5px;margin-right:3px;font-size:12px;background:#eef0f3}.t-shadow,.t-missing{background:#fee4e2}.t-zombie{background:#fde68a}.t-partial{background:#fef0c7}
aside{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;min-width:380px;max-width:460px;position:sticky;top:8px}
aside table{display:block;overflow-x:auto}aside td{white-space:normal;word-break:break-word}
aside h3{margin:0 0 8px;font-family:ui-monospace,Menlo,monospace;font-size:14px;word-break:break-all}aside table{font-size:12px}aside h4{margin:12px 0 4px}
#close{float:right;border:0;background:none;font-size:18px;cursor:pointer}.note{color:var(--muted);margin:0 0 6px}
`;

const SCRIPT = `
(function(){
'use strict';
var R=JSON.parse(document.getElementById('inventory-data').textContent);
function el(tag,attrs,kids){var e=document.createElement(tag);if(attrs)for(var k in attrs){if(k==='text')e.textContent=attrs[k];else if(k==='cls')e.className=attrs[k];else e.setAttribute(k,attrs[k]);}(kids||[]).forEach(function(c){if(c!=null)e.appendChild(typeof c==='string'?document.createTextNode(c):c);});return e;}
function riskCls(s){return s>=7?'risk r-hi':s>=4?'risk r-mid':'risk r-lo';}
function pct(x){return Math.round(x*100)+'%';}
function sens(e){return Object.keys(e.sensitiveData).concat(e.sensitiveFlow?[e.sensitiveFlow]:[]);}
document.getElementById('generated').textContent='Generated '+R.generatedAt+' · '+R.summary.requests+' requests · '+R.specs.length+' spec(s)';
var S=R.summary,cards=[['Endpoints',S.endpoints],['Hosts',S.hosts],['High risk (≥7)',S.highRisk],['Shadow',S.documentation.shadow||0],['Zombie',S.documentation.zombie||0],['Orphan',S.orphans],['Auth missing',S.authCoverage.missing||0],['Auth partial',S.authCoverage.partial||0],['Sensitive',S.sensitiveEndpoints],['Overflow requests',S.overflowRequests]];
var sum=document.getElementById('summary');cards.forEach(function(c){sum.appendChild(el('div',{cls:'card'},[el('b',{text:String(c[1])}),el('span',{text:c[0]})]));});
var rows=R.endpoints.map(function(e,i){return {i:i,e:e,risk:e.risk.score,method:e.method,host:e.host,template:e.template,requests:e.requests,clients:e.distinctClients,auth:e.auth.coverage,exposure:e.exposure.level,doc:e.documentation.status,sensitive:sens(e).join(' '),change:e.change||''};});
var sortKey='risk',sortDir=-1,selected=-1;
var tbody=document.querySelector('#endpoints tbody');
function passes(r){var t=document.getElementById('f-text').value.toLowerCase();
 if(t&&(r.host+' '+r.method+' '+r.template).toLowerCase().indexOf(t)<0)return false;
 var d=document.getElementById('f-doc').value;if(d&&r.doc!==d)return false;
 var a=document.getElementById('f-auth').value;if(a&&r.auth!==a)return false;
 var x=document.getElementById('f-exp').value;if(x&&r.exposure!==x)return false;
 if(document.getElementById('f-sens').checked&&!r.sensitive)return false;
 var m=parseFloat(document.getElementById('f-risk').value)||0;return r.risk>=m;}
function render(){var list=rows.filter(passes).sort(function(a,b){var x=a[sortKey],y=b[sortKey];var c=typeof x==='number'?x-y:String(x).localeCompare(String(y));return c*sortDir||a.i-b.i;});
 tbody.textContent='';list.forEach(function(r){var e=r.e;var tr=el('tr',{'data-i':String(r.i)},[
  el('td',null,[el('span',{cls:riskCls(r.risk),text:r.risk.toFixed(1)})]),el('td',{text:r.method}),el('td',{text:r.host}),el('td',{cls:'tpl',text:r.template}),
  el('td',{text:String(r.requests)}),el('td',{text:String(r.clients)}),el('td',null,[el('span',{cls:'tag t-'+r.auth,text:r.auth})]),
  el('td',{text:r.exposure}),el('td',null,[el('span',{cls:'tag t-'+r.doc,text:r.doc})]),el('td',{text:r.sensitive}),el('td',{text:r.change})]);
  if(r.i===selected)tr.className='sel';tbody.appendChild(tr);});
 document.getElementById('count').textContent=list.length+' of '+rows.length+' endpoints';
 document.querySelectorAll('#endpoints th').forEach(function(th){th.setAttribute('aria-sort',th.getAttribute('data-key')===sortKey?(sortDir>0?'ascending':'descending'):'none');});}
function kv(pairs){return el('table',null,pairs.map(function(p){return el('tr',null,[el('th',{text:p[0]}),el('td',{text:String(p[1])})]);}));}
function show(i){selected=i;var e=R.endpoints[i],b=document.getElementById('detail-body');b.textContent='';
 b.appendChild(el('h3',{text:e.method+' '+e.host+e.template}));
 b.appendChild(el('p',null,[el('span',{cls:riskCls(e.risk.score),text:'risk '+e.risk.score.toFixed(1)})]));
 b.appendChild(el('h4',{text:'Risk factors'}));
 b.appendChild(e.risk.factors.length?el('table',null,[el('tr',null,[el('th',{text:'factor'}),el('th',{text:'weight × value'}),el('th',{text:'points'}),el('th',{text:'why'})])].concat(e.risk.factors.map(function(f){return el('tr',null,[el('td',{text:f.name}),el('td',{text:f.weight+' × '+f.value}),el('td',{text:String(f.contribution)}),el('td',{text:f.reason})]);}))):el('p',{text:'no risk factor'}));
 b.appendChild(el('h4',{text:'Profile'}));
 b.appendChild(kv([['documentation',e.documentation.status+' — '+e.documentation.reason],['route class',e.routeClass],['sensitive flow',e.sensitiveFlow||'—'],['sensitive data',Object.keys(e.sensitiveData).map(function(k){return k+' ×'+e.sensitiveData[k];}).join(', ')||'—'],
  ['auth coverage',e.auth.coverage+' ('+pct(e.auth.authenticatedShare)+' of '+e.auth.servedRequests+' served)'],['auth types',Object.keys(e.auth.types).map(function(k){return k+' ×'+e.auth.types[k];}).join(', ')],
  ['exposure',e.exposure.level+' (public '+e.exposure.public+', partner '+e.exposure.partner+', private '+e.exposure.private+')'],['requests',e.requests],['distinct clients',e.distinctClients],
  ['first seen',e.firstSeen],['last seen',e.lastSeen],['status codes',Object.keys(e.statusCodes).map(function(k){return k+' ×'+e.statusCodes[k];}).join(', ')],
  ['latency ms p50/p90/p99',e.latencyMs?e.latencyMs.p50+' / '+e.latencyMs.p90+' / '+e.latencyMs.p99:'—'],['bytes out p50/p99',e.bytesOut?e.bytesOut.p50+' / '+e.bytesOut.p99:'—'],
  ['path parameters',e.parameters.map(function(p){return p.name+': '+p.type+(p.format?' ('+p.format+')':'');}).join(', ')||'—'],['query keys',e.queryKeys.map(function(q){return q.name+': '+q.type;}).join(', ')||'—'],['change',(e.change||'—')+(e.changedFields.length?' ('+e.changedFields.join(', ')+')':'')]]));
 document.getElementById('detail').hidden=false;render();}
tbody.addEventListener('click',function(ev){var tr=ev.target.closest('tr');if(tr&&tr.hasAttribute('data-i'))show(Number(tr.getAttribute('data-i')));});
document.getElementById('close').addEventListener('click',function(){document.getElementById('detail').hidden=true;selected=-1;render();});
document.querySelectorAll('#endpoints th').forEach(function(th){th.addEventListener('click',function(){var k=th.getAttribute('data-key');if(k===sortKey)sortDir=-sortDir;else{sortKey=k;sortDir=(k==='risk'||k==='requests'||k==='clients')?-1:1;}render();});});
// Text and number filters on 'input' only: a 'change' on blur would rebuild the rows between the
// mousedown and the mouseup of a click on one of them, and the click would be lost.
['f-text','f-risk'].forEach(function(id){document.getElementById(id).addEventListener('input',render);});
['f-doc','f-auth','f-exp','f-sens'].forEach(function(id){document.getElementById(id).addEventListener('change',render);});
var ov=document.getElementById('overflow');if(!R.overflow.length)ov.appendChild(el('p',{text:'none'}));
R.overflow.forEach(function(o){ov.appendChild(el('div',{cls:'card'},[el('b',{text:o.host+': '+o.requests+' requests, ~'+o.distinctTemplates+' distinct templates'}),
 el('p',null,[el('span',{cls:riskCls(o.risk.score),text:'risk '+o.risk.score.toFixed(1)}),' not found '+o.reasons.notFound+', over cap '+o.reasons.cap+'; '+o.risk.factors.map(function(f){return f.name+': '+f.reason;}).join('; ')]),
 el('p',{cls:'note',text:'examples: '+o.samples.slice(0,10).join(' · ')})]));});
var orph=document.getElementById('orphans');if(!R.orphans.length)orph.appendChild(el('p',{text:'none'}));
R.orphans.forEach(function(o){orph.appendChild(el('div',{text:o.method+' '+o.hosts.join(',')+o.path+' — '+o.spec.title+' '+o.spec.version+(o.deprecated?' (deprecated)':'')}));});
var pr=document.getElementById('promotions');if(!R.promotions.length)pr.appendChild(el('p',{text:'none'}));
R.promotions.forEach(function(p){pr.appendChild(el('div',{text:p.host+p.template+' — '+p.evidence.distinctValues+' distinct values, e.g. '+p.evidence.examples.join(', ')}));});
render();
})();
`;
