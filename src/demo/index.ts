// The demo shop: generated traffic with an intrusion in it (traffic.ts) and the shop's files on
// disk (shop.ts). app/demo.ts runs Ripcord over it.
export { attackShop, demoAttack, demoConfigPath, demoDir, demoShopSql, layOutShop } from './shop.ts';
export { demoTraffic, nginxTime, syslogTime, type DemoTraffic } from './traffic.ts';
